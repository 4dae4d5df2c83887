"""Polling a task to its end as the docs advise (first poll after 2-3 s, then every 5-10 s), checking its lifecycle."""

from __future__ import annotations

from typing import Any

import httpx

from .checks import finding, is_success
from .target import Target

FIRST_POLL = 2.5
POLL_INTERVAL = 5.0
RANK = {"queued": 0, "processing": 1, "succeeded": 2, "failed": 2}
TERMINAL = frozenset({"succeeded", "failed"})
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


def poll_to_end(target: Target, key: str, task: dict[str, Any]) -> dict[str, Any]:
    """Poll until succeeded or failed; every snapshot must follow the lifecycle. Returns the last."""
    waited, delay = 0.0, FIRST_POLL
    while task["status"] not in TERMINAL:
        assert waited < target.poll_timeout, (
            f"task {task['id']} still {task['status']} after {waited:.0f} s (--poll-timeout)"
        )
        target.pacer.wait(delay)
        waited, delay = waited + delay, POLL_INTERVAL
        response = target.api.get_generation(task["id"], key)
        is_success(response)
        snapshot = response.json()
        follows_lifecycle(task, snapshot, response)
        task = snapshot
    target.api.open_tasks.pop(task["id"], None)
    return task


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
        assert result["urls"] and result["primary_url"] == result["urls"][0], (
            f"result.primary_url must equal result.urls[0], got {result!r}{where}"
        )
    else:
        assert task["final_credits"] == 0, f"failed task must have final_credits 0{where}"
        assert task["error"] and task["error"]["code"], (
            f"failed task must carry an error code{where}"
        )
