"""What the inspector page reads: a small overview and paged lists of tasks and accounts.

Plain Python over a `Control` (no HTTP), like the rest of the control plane. Pages keep the page
fast whatever the fake holds: an unfiltered page of tasks costs its own size, not the number of tasks.
"""

from __future__ import annotations

import itertools
from typing import Any

from ..control import Control
from ..control_views import account_json, clock_json, forced_json, task_json
from ..errors import ValidationFailed
from ..generations import FAILED, PROCESSING, QUEUED, SUCCEEDED

MAX_PAGE = 200
STATUSES = (QUEUED, PROCESSING, SUCCEEDED, FAILED)


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, rule="control_query")


def _page_bounds(offset: Any, limit: Any) -> tuple[int, int]:
    offset = 0 if offset is None else offset
    limit = 50 if limit is None else limit
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise _invalid("offset: must be a whole number")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise _invalid(f"limit: must be a whole number from 1 to {MAX_PAGE}")
    return offset, limit


def overview(control: Control) -> dict[str, Any]:
    """The fake at a glance: clock, switches, counts, the newest journal seq, faults, outcomes."""
    backend = control.backend
    newest = control.journal.last_seq()
    with backend.lock:
        return {
            "clock": clock_json(backend.clock),
            "seed": backend.streams.seed,
            "public_api_enabled": backend.public_api_enabled,
            "progression": backend.profile.progression,
            "chaos": control.faults.chaos,
            "counts": {
                "tasks": len(backend.tasks),
                "accounts": len(backend.accounts.accounts),
                "files": len(backend.files),
            },
            "last_request": newest,
            "faults": control.fault_rules(),
            "forced_outcomes": [forced_json(f) for f in backend.forced_outcomes if f.count],
        }


def task_page(
    control: Control,
    offset: int | None = None,
    limit: int | None = None,
    *,
    status: str | None = None,
    account: str | None = None,
    model: str | None = None,
) -> dict[str, Any]:
    """Tasks, newest first, `limit` from `offset`, optionally of one status, account or model.

    Each carries `age_seconds` on the fake's clock and, once succeeded, the control-plane path
    of its result image (`result_path`).
    """
    offset, limit = _page_bounds(offset, limit)
    if status is not None and status not in STATUSES:
        raise _invalid(f"status: must be one of {', '.join(STATUSES)}")
    account_id = None if account is None else control.account_id(account)
    backend = control.backend
    if account_id is None and model is None and status is None:
        with backend.lock:
            now, total = backend.clock.now(), len(backend.tasks)
            page = list(itertools.islice(reversed(backend.tasks.values()), offset, offset + limit))
            data = [_task_row(task_json(t, now), now - t.created_at) for t in page]
        return {"total": total, "offset": offset, "limit": limit, "data": data}
    with backend.lock:  # a filter scans every task: do it on a copy, not holding the API up
        now, tasks = backend.clock.now(), list(backend.tasks.values())
    chosen = [
        t
        for t in reversed(tasks)
        if (account_id is None or t.account_id == account_id)
        and (model is None or t.model.id == model)
        and (status is None or t.status_at(now) == status)
    ]
    with backend.lock:
        data = [_task_row(task_json(t, now), now - t.created_at) for t in chosen[offset:][:limit]]
    return {"total": len(chosen), "offset": offset, "limit": limit, "data": data}


def _task_row(task: dict[str, Any], age: float) -> dict[str, Any]:
    done = task["status"] == SUCCEEDED
    result = f"/_mock/tasks/{task['id']}/result.png" if done else None
    return task | {"age_seconds": round(age, 3), "result_path": result}


def account_page(control: Control, offset: int | None = None, limit: int | None = None) -> dict:
    """Accounts in the order they were opened, with their balances and keys."""
    offset, limit = _page_bounds(offset, limit)
    backend = control.backend
    with backend.lock:
        ids = list(itertools.islice(backend.accounts.accounts, offset, offset + limit))
        data = [account_json(backend, account_id) for account_id in ids]
        total = len(backend.accounts.accounts)
    return {"total": total, "offset": offset, "limit": limit, "data": data}
