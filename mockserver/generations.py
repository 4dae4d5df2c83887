"""Generation tasks and their lifecycle, computed from the clock when read.

A task keeps the times of its state changes (`transitions`): in `time` progression both are
scheduled at creation; in `polls` progression each owner's poll appends one. Status is the number
of changes that have happened by now: queued → processing → succeeded | failed, never backwards.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from .catalog import Model

QUEUED, PROCESSING, SUCCEEDED, FAILED = "queued", "processing", "succeeded", "failed"
FAILURE_MESSAGE = "The generation failed."


@dataclass(slots=True)  # no per-task __dict__: fewer objects for the collector to walk
class Task:
    id: str
    account_id: str
    model: Model
    prompt: str
    params: dict[str, str]
    client_request_id: str | None
    reserved_credits: int
    created_at: float
    base_url: str
    progression: str
    outcome: str = SUCCEEDED
    failure_message: str = FAILURE_MESSAGE
    transitions: tuple[float, ...] = ()
    refunded: bool = False
    polls_per_state: int = 1
    polls: int = 0

    def schedule(self, queued_seconds: float, processing_seconds: float) -> Task:
        """In `time` progression, both state changes are known at creation."""
        if self.progression == "time":
            start = self.created_at + queued_seconds
            self.transitions = (start, start + processing_seconds)
        return self

    def changes_by(self, now: float) -> int:
        return bisect.bisect_right(self.transitions, now)  # the times are in order

    def status_at(self, now: float) -> str:
        return (QUEUED, PROCESSING, self.outcome)[self.changes_by(now)]

    def updated_at(self, now: float) -> float:
        done = self.changes_by(now)
        return self.transitions[done - 1] if done else self.created_at

    def finished_at(self) -> float | None:
        return self.transitions[1] if len(self.transitions) == 2 else None

    def poll(self, now: float) -> None:
        """In `polls` progression, every `polls_per_state`-th owner's poll moves the task a state."""
        self.polls += 1
        if (
            self.progression == "polls"
            and len(self.transitions) < 2
            and self.polls % self.polls_per_state == 0
        ):
            self.transitions = (*self.transitions, now)

    def complete(self, now: float, outcome: str | None = None) -> None:
        """Move the task to its terminal state now (control plane)."""
        if outcome is not None and self.changes_by(now) < 2:
            self.outcome = outcome
        done = tuple(min(t, now) for t in self.transitions)[:2]
        self.transitions = done + (now,) * (2 - len(done))

    def reschedule(
        self, now: float, progression: str, queued_seconds: float, processing_seconds: float
    ) -> None:
        """Switch this task's progression; changes already made stay made."""
        self.progression = progression
        done = tuple(t for t in self.transitions if t <= now)
        if progression == "time":
            if not done:
                done = (max(now, self.created_at + queued_seconds),)
            if len(done) == 1:
                done = (done[0], max(now, done[0] + processing_seconds))
        self.transitions = done[:2]
