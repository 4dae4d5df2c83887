"""Hypothesis strategies of server misbehaviour, so a client's property test shrinks to the least
misbehaviour that breaks it.

    @given(schedule=fault_schedules())
    def test_my_client_survives(rivya_mock_server, schedule):
        rivya_mock_server.reset(clock="manual")
        schedule.apply(rivya_mock_server)
        ...

`webhook_schedules()` does the same for a webhook receiver: duplicates, out-of-order,
delayed, badly signed and refused deliveries (see fixtures/examples/test_naive_receiver.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hypothesis import strategies as st

API_PATHS = "/api/v1/*"


@dataclass(frozen=True)
class RateLimit:
    """A 429 `rate_limited` with this Retry-After (whole seconds)."""

    retry_after: int = 1


@dataclass(frozen=True)
class ServerError:
    """A 500 `internal_error`."""


@dataclass(frozen=True)
class Drop:
    """The connection closes after the status line, before the body."""


ResponseFault = RateLimit | ServerError | Drop


@dataclass(frozen=True)
class TaskPlan:
    """How one new task ends, and how long it processes (seconds on the fake's clock)."""

    fails: bool = False
    processing_seconds: float = 3.0


@dataclass(frozen=True)
class FaultSchedule:
    """Which API request misbehaves how (0-based, counted over `/api/v1/…` requests from reset),
    and how the first tasks created end."""

    responses: dict[int, ResponseFault] = field(default_factory=dict)
    tasks: tuple[TaskPlan, ...] = ()

    def expected_status(self, task_index: int) -> str:
        """The terminal status the schedule gives the task created `task_index`-th."""
        plans = self.tasks
        return "failed" if task_index < len(plans) and plans[task_index].fails else "succeeded"

    def apply(self, target: Any) -> None:
        """Install the schedule on a fake: a `MockServer` or a `Control`, just reset."""
        control = getattr(target, "control", target)
        for index, fault in sorted(self.responses.items()):
            control.add_fault(_rule(index, fault))
        for plan in self.tasks:
            control.force_outcomes(
                "failed" if plan.fails else "succeeded",
                1,
                processing_seconds=plan.processing_seconds,
            )


def _rule(index: int, fault: ResponseFault) -> dict[str, Any]:
    rule: dict[str, Any] = {"match": {"path": API_PATHS}, "skip": index, "count": 1}
    if isinstance(fault, RateLimit):
        return rule | {"action": "rate_limited", "retry_after": fault.retry_after}
    if isinstance(fault, ServerError):
        return rule | {"action": "server_error"}
    return rule | {"action": "drop_connection"}


def _one_of(choices: dict[str, st.SearchStrategy[Any]], actions: Sequence[str]) -> Any:
    """The strategies of `actions`, in their order (so examples shrink towards the first)."""
    if not actions or set(actions) - set(choices):
        raise ValueError(f"actions must be among {', '.join(choices)}")
    return st.one_of(*(choices[a] for a in actions))


def response_faults(
    actions: Sequence[str] = ("rate_limited", "server_error", "drop_connection"),
    max_retry_after: int = 30,
) -> st.SearchStrategy[ResponseFault]:
    """One misbehaving response; shrinks towards the first action listed."""
    choices = {
        "rate_limited": st.builds(RateLimit, st.integers(1, max_retry_after)),
        "server_error": st.just(ServerError()),
        "drop_connection": st.just(Drop()),
    }
    return _one_of(choices, actions)


def task_plans(max_processing_seconds: int = 60) -> st.SearchStrategy[TaskPlan]:
    return st.builds(
        TaskPlan,
        fails=st.booleans(),
        processing_seconds=st.integers(0, max_processing_seconds).map(float),
    )


def fault_schedules(
    *,
    max_requests: int = 20,
    max_tasks: int = 3,
    actions: Sequence[str] = ("rate_limited", "server_error", "drop_connection"),
    max_retry_after: int = 30,
    max_processing_seconds: int = 60,
) -> st.SearchStrategy[FaultSchedule]:
    """Schedules of misbehaviour over the first `max_requests` API requests and `max_tasks` tasks.

    Shrinking removes faults, moves them to earlier requests, lowers Retry-After and processing
    time, and turns failing tasks into succeeding ones.
    """
    responses = st.dictionaries(
        st.integers(0, max_requests - 1),
        response_faults(actions, max_retry_after),
        max_size=max_requests,
    )
    tasks = st.lists(task_plans(max_processing_seconds), max_size=max_tasks).map(tuple)
    return st.builds(FaultSchedule, responses=responses, tasks=tasks)


# -- webhooks: misbehaviour of the sender, to break receivers ------------------------------------


@dataclass(frozen=True)
class Duplicate:
    """The same request (same webhook-id, signature and body) is sent twice."""

    action: ClassVar[str] = "duplicate"


@dataclass(frozen=True)
class HoldBack:
    """The attempt waits until the next attempt to its endpoint was made: out of order."""

    action: ClassVar[str] = "hold_back"


@dataclass(frozen=True)
class Delay:
    """The attempt is made this many seconds later (fake's clock)."""

    action: ClassVar[str] = "delay"

    seconds: int = 1


@dataclass(frozen=True)
class BadSignature:
    """The attempt is signed with a wrong secret (a verifying receiver refuses it)."""

    action: ClassVar[str] = "bad_signature"


@dataclass(frozen=True)
class ReceiverDown:
    """The attempt is not sent: it fails as a refused connection (then retried)."""

    action: ClassVar[str] = "receiver_down"


WebhookFault = Duplicate | HoldBack | Delay | BadSignature | ReceiverDown
WEBHOOK_ACTIONS = tuple(
    kind.action for kind in (Duplicate, HoldBack, Delay, BadSignature, ReceiverDown)
)


@dataclass(frozen=True)
class WebhookSchedule:
    """Which webhook attempt misbehaves how: 0-based, counted over attempts from reset, in the
    order they are made."""

    attempts: dict[int, WebhookFault] = field(default_factory=dict)

    def apply(self, target: Any) -> None:
        """Install the schedule on a fake: a `MockServer` or a `Control`, just reset."""
        control = getattr(target, "control", target)
        for index, fault in sorted(self.attempts.items()):
            control.webhooks.add_fault(_webhook_rule(index, fault))


def _webhook_rule(index: int, fault: WebhookFault) -> dict[str, Any]:
    rule: dict[str, Any] = {"skip": index, "count": 1, "action": fault.action}
    if isinstance(fault, Delay):
        rule["seconds"] = fault.seconds
    return rule


def webhook_faults(
    actions: Sequence[str] = WEBHOOK_ACTIONS, max_delay_seconds: int = 60
) -> st.SearchStrategy[WebhookFault]:
    """One misbehaving attempt; shrinks towards the first action listed."""
    choices = {
        "duplicate": st.just(Duplicate()),
        "hold_back": st.just(HoldBack()),
        "delay": st.builds(Delay, st.integers(1, max_delay_seconds)),
        "bad_signature": st.just(BadSignature()),
        "receiver_down": st.just(ReceiverDown()),
    }
    return _one_of(choices, actions)


def webhook_schedules(
    *,
    max_attempts: int = 10,
    actions: Sequence[str] = WEBHOOK_ACTIONS,
    max_delay_seconds: int = 60,
) -> st.SearchStrategy[WebhookSchedule]:
    """Schedules of sender misbehaviour over the first `max_attempts` webhook attempts.

    Shrinking removes faults, moves them to earlier attempts, lowers delays and prefers the
    actions listed first.
    """
    attempts = st.dictionaries(
        st.integers(0, max_attempts - 1),
        webhook_faults(actions, max_delay_seconds),
        max_size=max_attempts,
    )
    return st.builds(WebhookSchedule, attempts=attempts)
