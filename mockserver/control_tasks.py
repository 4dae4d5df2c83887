"""Control operations on time and tasks: the clock, progression and forced outcomes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .backend import ForcedOutcome
from .control_input import choice, duration, invalid, text, whole
from .control_views import clock_json, forced_json, task_json
from .generations import FAILED, FAILURE_MESSAGE, SUCCEEDED, Task

if TYPE_CHECKING:
    from .backend import Backend
    from .webhooks.control import WebhookControl

PROGRESSIONS = ("time", "polls", "manual")
OUTCOMES = (SUCCEEDED, FAILED)


class TaskControls:
    """Part of `Control`: the clock, how tasks progress and how they end."""

    if TYPE_CHECKING:
        _holder: Any
        webhooks: WebhookControl

        @property
        def backend(self) -> Backend: ...
        def _task(self, task_id: Any) -> Task: ...

    # -- time and progression ------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        return clock_json(self.backend.clock)

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the clock, then make every webhook attempt due by the new time (once each)."""
        seconds = duration(seconds, "seconds")
        advance = getattr(self.backend.clock, "advance", None)
        if advance is None:
            raise invalid("seconds: this fake's clock cannot be moved")
        try:
            advance(seconds)
        except ValueError as exc:  # past the last time a timestamp can show
            raise invalid(f"seconds: {exc}") from None
        self.backend.idempotency.sweep()  # keys whose 24 h have now passed go at once
        self.deliver_due()
        return clock_json(self.backend.clock)

    def deliver_due(self) -> None:
        """Every webhook attempt due now is made once before this returns."""
        self.webhooks.deliver_due()

    def set_progression(
        self, mode: str, *, polls_per_state: int | None = None, task: str | None = None
    ) -> dict[str, Any]:
        """Switch progression for tasks created from now on, or for one task (`task`)."""
        mode = choice(mode, "mode", PROGRESSIONS)
        every = None if polls_per_state is None else whole(polls_per_state, "polls_per_state", 1)
        backend = self.backend
        with backend.lock:
            if task is not None:
                return self._reschedule(self._task(task), mode, every)
            backend.profile = backend.profile.replace(progression=mode)
            if every is not None:
                backend.polls_per_state = every
            return {"progression": mode, "polls_per_state": backend.polls_per_state}

    def _reschedule(self, task: Task, mode: str, every: int | None) -> dict[str, Any]:
        backend, now = self.backend, self.backend.clock.now()
        profile = backend.profile
        task.reschedule(now, mode, profile.queued_seconds, profile.processing_seconds)
        if every is not None:
            task.polls_per_state, task.polls = every, 0
        backend.track_outcome(task)
        return task_json(task, now)

    # -- outcomes ------------------------------------------------------------------------------

    def force_outcomes(
        self,
        outcome: str,
        count: int = 1,
        *,
        message: str | None = None,
        model: str | None = None,
        prompt_contains: str | None = None,
        processing_seconds: float | None = None,
    ) -> dict[str, Any]:
        """The next `count` new tasks (matching model / prompt substring) end in `outcome`."""
        forced = ForcedOutcome(
            outcome=choice(outcome, "outcome", OUTCOMES),
            count=whole(count, "count", 1),
            message=text(message, "message"),
            model=text(model, "model"),
            prompt_contains=text(prompt_contains, "prompt_contains"),
            processing_seconds=(
                None
                if processing_seconds is None
                else duration(processing_seconds, "processing_seconds")
            ),
        )
        with self.backend.lock:
            self.backend.forced_outcomes.append(forced)
        return forced_json(forced)

    def forced_outcomes(self) -> list[dict[str, Any]]:
        return [forced_json(f) for f in self.backend.forced_outcomes if f.count]

    def set_task_outcome(
        self, task_id: str, outcome: str, message: str | None = None
    ) -> dict[str, Any]:
        """Decide how an unfinished task will end (it keeps its schedule)."""
        outcome, message = choice(outcome, "outcome", OUTCOMES), text(message, "message")
        backend = self.backend
        with backend.lock:
            task, now = self._task(task_id), backend.clock.now()
            if task.changes_by(now) >= 2:
                raise invalid(f"task: {task.id} has already {task.status_at(now)}")
            task.outcome = outcome
            task.failure_message = message or FAILURE_MESSAGE
            backend.track_outcome(task)
            return task_json(task, now)

    def complete_task(
        self, task_id: str, outcome: str | None = None, message: str | None = None
    ) -> dict[str, Any]:
        """Finish a task now, with its own outcome or the one given."""
        if outcome is not None:
            outcome = choice(outcome, "outcome", OUTCOMES)
        message = text(message, "message")
        backend = self.backend
        with backend.lock:
            task, now = self._task(task_id), backend.clock.now()
            finished = task.changes_by(now) >= 2
            if finished and outcome is not None and outcome != task.outcome:
                raise invalid(f"task: {task.id} has already {task.status_at(now)}")
            if message is not None and not finished:
                task.failure_message = message
            task.complete(now, outcome)
            backend.track_outcome(task)
            return task_json(task, now)
