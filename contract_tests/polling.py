"""Polling a task to its end as the docs advise (first poll after 2-3 s, then every 5-10 s), checking its lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from .checks import finding, is_success
from .target import Target

FIRST_POLL = 2.5
POLL_INTERVAL = 5.0
RANK = {"queued": 0, "processing": 1, "succeeded": 2, "failed": 2}
TERMINAL = frozenset({"succeeded", "failed"})
# Seconds between a failure and a balance read (by the server's Date) before the refund is due.
REFUND_MARGIN = 2.0
# Fields a task never changes once created.
FIXED_FIELDS = ("id", "model", "reserved_credits", "created_at")


def follows_lifecycle(
    before: dict[str, Any], after: dict[str, Any], response: httpx.Response
) -> None:
    """`after` may only move forward from `before`: queued -> processing -> succeeded | failed."""
    for name in FIXED_FIELDS:
        assert after[name] == before[name], finding(
            f"task {name} changed from {before[name]!r} to {after[name]!r}", response
        )
    old, new = before["status"], after["status"]
    moved_back = RANK.get(new, 0) < RANK.get(old, 0)
    left_end = old in TERMINAL and new != old
    assert not (moved_back or left_end), finding(
        f"task status went from {old} back to {new}", response
    )


def poll_to_end(
    target: Target, key: str, task: dict[str, Any], *, balance_before: int | None = None
) -> dict[str, Any]:
    """Poll until succeeded or failed; every snapshot must follow the lifecycle. Returns the last.

    With `balance_before` (the balance before this task was created, nothing else open), the
    balance is read before each poll: once the task has failed, GET /credits must show the refund
    whoever polls (spec §6, §7), judged by the server's own `Date` against the task's `updated_at`."""
    waited, delay = 0.0, FIRST_POLL
    reads: list[tuple[datetime | None, int]] = []
    while task["status"] not in TERMINAL:
        assert waited < target.poll_timeout, (
            f"task {task['id']} still {task['status']} after {waited:.0f} s (--poll-timeout)"
        )
        target.pacer.wait(delay)
        waited, delay = waited + delay, POLL_INTERVAL
        if balance_before is not None:
            reads.append(_balance_read(target, key))
        response = target.api.get_generation(task["id"], key)
        is_success(response)
        snapshot = response.json()
        follows_lifecycle(task, snapshot, response)
        task = snapshot
    target.api.open_tasks.pop(task["id"], None)
    if balance_before is not None and task["status"] == "failed":
        refunded_before_polling(task, balance_before, reads)
    return task


def _balance_read(target: Target, key: str) -> tuple[datetime | None, int]:
    response = target.api.get_credits(key)
    is_success(response)
    try:
        when: datetime | None = parsedate_to_datetime(response.headers["date"])
    except (KeyError, TypeError, ValueError):
        when = None
    return when, response.json()["current_credits"]


def _timestamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def refunded_before_polling(
    task: dict[str, Any], before: int, reads: list[tuple[datetime | None, int]]
) -> None:
    """Every balance read well after the failure already holds the refund.

    `Date` is in whole seconds and may lag the read (uvicorn refreshes it once a second); both
    only make a read look earlier than it was. The margin covers a skew between the clock of
    `updated_at` and the clock of `Date` (an edge proxy's, say), so no correct server is accused."""
    failed_at = _timestamp(task["updated_at"])
    for when, balance in reads:
        if when is not None and (when - failed_at).total_seconds() >= REFUND_MARGIN:
            assert balance == before, (
                f"task {task['id']} failed at {task['updated_at']}, but GET /credits at "
                f"{when:%H:%M:%S} (before anyone polled it) showed {balance}, not the refunded "
                f"{before}: a refund shows when the task fails, whoever polls (spec §6, §7)"
            )


# What a finished task never changes. Result URLs may be re-signed on each read (a real CDN's
# way), so of the result only its presence and its number of URLs are compared.
FIXED_AFTER_THE_END = (
    "id",
    "status",
    "model",
    "reserved_credits",
    "final_credits",
    "created_at",
    "updated_at",
    "error",
)


def _result_shape(task: dict[str, Any]) -> Any:
    result = task.get("result")
    return len(result.get("urls") or []) if isinstance(result, dict) else result


def stays_the_same(target: Target, key: str, task: dict[str, Any], times: int = 2) -> None:
    """A finished task is finished for good: polled again later, nothing of it changes."""
    for _ in range(times):
        target.pacer.wait(POLL_INTERVAL)
        response = target.api.get_generation(task["id"], key)
        is_success(response)
        again = response.json()
        changed = {
            k: (task.get(k), again.get(k))
            for k in FIXED_AFTER_THE_END
            if again.get(k) != task.get(k)
        }
        if _result_shape(again) != _result_shape(task):
            changed["result"] = (task.get("result"), again.get("result"))
        assert not changed, finding(
            f"task {task['id']} changed after it was {task['status']}: {changed}", response
        )


def finish_open_tasks(target: Target) -> None:
    """Poll every task still open to its end (each must end as documented)."""
    while target.api.open_tasks:
        task_id = next(iter(target.api.open_tasks))
        key, task = target.api.open_tasks[task_id]
        ended_as_documented(poll_to_end(target, key, task))


def ended_as_documented(task: dict[str, Any], response: httpx.Response | None = None) -> None:
    """A finished task: success keeps the reservation and names its image; failure charges nothing."""
    where = f" (task {task['id']})"
    if task["status"] == "succeeded":
        assert task["final_credits"] == task["reserved_credits"], (
            f"succeeded task must have final_credits == reserved_credits, got "
            f"{task['final_credits']} != {task['reserved_credits']}{where}"
        )
        result = task["result"]
        assert len(result["urls"]) == 1, (
            f"result.urls must hold exactly one URL, got {result['urls']!r}{where}"
        )
        assert result["primary_url"] == result["urls"][0], (
            f"result.primary_url must equal result.urls[0], got {result!r}{where}"
        )
    else:
        assert task["final_credits"] == 0, f"failed task must have final_credits 0{where}"
        assert task["error"] and task["error"]["code"], (
            f"failed task must carry an error code{where}"
        )
