"""Creates that spend credits: each reserves its cost from the run's budget before it is sent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import Phase, settings

from .catalog import Catalog
from .checks import finding, is_error, is_success
from .target import Target


def create_paid(
    target: Target,
    catalog: Catalog,
    body: dict[str, Any],
    *,
    key: str | None = None,
    idempotency_key: str | None = None,
    why: str | None = None,
) -> httpx.Response:
    """A create that should succeed: its cost is reserved first (the check skips if it cannot be;
    `why` names the create in the skip, by default `a <model> generation`)."""
    cost = catalog.cost(body.get("model"))
    target.budget.reserve(cost, why or f"a {body.get('model')} generation")
    response = target.api.create_generation(
        body, key or target.keys.main, idempotency_key=idempotency_key
    )
    if not response.is_success:
        target.budget.release(cost)
    return response


def create_refused(
    target: Target,
    catalog: Catalog,
    body: Any,
    *,
    idempotency_key: str | None = None,
    main: bool = False,
) -> httpx.Response:
    """A create that should be refused; if the target accepts it, the check fails at once.

    A wrongly accepted body spends, so it is sent by the first of: an account whose credits cost
    nothing (the kit's own, made through a rivya-mock's control plane, or the in-process fake),
    the main account while the run's guard (one dearest create set aside from --max-credits) is
    unspent, or the account that cannot pay (--empty-api-key). Otherwise the check skips.
    With `main`, the main account sends it (an idempotency key is bound to it), its cost reserved."""
    # Hypothesis replays a failing example to report it: the finding stands without another try.
    check = target.api.journal.current
    if check in target.api.findings:
        raise AssertionError(target.api.findings[check])
    if main:
        key, guarded = target.keys.main, False
        response = create_paid(
            target,
            catalog,
            body,
            idempotency_key=idempotency_key,
            why="a create that should be refused (in case it is accepted)",
        )
    else:
        cost = catalog.cost(body.get("model") if isinstance(body, dict) else None)
        key, guarded = _refused_sender(target, cost)
        response = target.api.create_generation(body, key, idempotency_key=idempotency_key)
    if response.is_success:
        if guarded:
            target.budget.spend_guard()
        target.api.findings[check] = finding(
            "a request that must be refused was accepted", response
        )
        raise AssertionError(target.api.findings[check])
    if key == target.keys.empty and error_code(response) == "insufficient_credits":
        pytest.skip("inconclusive: the target checked credits before the body; raise --max-credits")
    return response


def _refused_sender(target: Target, cost: int) -> tuple[str, bool]:
    if target.keys.free is not None:
        return target.keys.free, False
    if target.budget.limit is None:
        return target.keys.main, False
    if target.budget.guard >= cost:
        return target.keys.main, True
    if target.keys.empty is not None:
        return target.keys.empty, False
    pytest.skip(
        "budget: a wrongly accepted create would spend credits and the run's guard "
        + ("was spent by an accepted invalid body" if target.budget.guard_spent else "is too small")
        + "; give --empty-api-key to send refused bodies from an account that cannot pay"
    )


def refused_settings(target: Target) -> settings:
    """Hypothesis settings for checks that send invalid bodies: when an accepted one would cost
    real credits, a found violation is reported as found, never shrunk (each try would spend)."""
    if target.keys.free is not None or target.budget.limit is None:
        return settings()
    return settings(phases=[Phase.explicit, Phase.reuse, Phase.generate])


def error_code(response: httpx.Response) -> str | None:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def created_as_queued(
    response: httpx.Response, catalog: Catalog, body: dict[str, Any]
) -> dict[str, Any]:
    """A fresh task: queued, the model's cost reserved, nothing final yet, created_at == updated_at."""
    is_success(response)
    task = response.json()
    expected = {
        "status": "queued",
        "model": body["model"],
        "reserved_credits": catalog.cost(body["model"]),
        "final_credits": 0,
        "result": None,
        "error": None,
        "updated_at": task["created_at"],
    }
    wrong = {name: task.get(name) for name, value in expected.items() if task.get(name) != value}
    assert not wrong, finding(
        f"a created task must have {expected}; these differ: {wrong}", response
    )
    return task


def is_refused_as_invalid(response: httpx.Response) -> None:
    is_error(response, "validation_failed", 400)


def paid_settings(target: Target, cost: int) -> settings:
    """Hypothesis settings for a paid check: as many examples as the budget affords, no shrinking
    when the budget is limited (shrinking would spend more credits to find a smaller example)."""
    examples = settings().max_examples  # the loaded profile's, or --examples
    affordable = target.budget.affordable(cost)
    if affordable is None:
        return settings(max_examples=examples)
    if affordable < 1:
        pytest.skip(
            f"budget: one example needs {cost} credits, {target.budget.remaining} left (--max-credits)"
        )
    return settings(
        max_examples=min(examples, affordable), phases=[Phase.explicit, Phase.reuse, Phase.generate]
    )


def balance_moved_by(target: Target, key: str, before: int, expected_drop: int, why: str) -> int:
    """The balance is now exactly `before - expected_drop`; returns it."""
    now = target.api.balance(key)
    assert before - now == expected_drop, (
        f"{why}: the balance should have dropped by {expected_drop}, it went from {before} to {now}"
    )
    return now


def reserved_by(
    target: Target,
    key: str,
    before: int,
    tasks: list[dict[str, Any]],
    why: str,
    *,
    earlier: tuple[dict[str, Any], ...] = (),
) -> None:
    """The balance dropped by the reservations of `tasks` (all created since `before` was read),
    except that a task may have failed meanwhile and given its reservation back (spec §6): one
    of `tasks`, or one of the `earlier` tasks still open when `before` was read."""
    now = target.api.balance(key)
    drop, expected = before - now, sum(t["reserved_credits"] for t in tasks)
    if drop == expected:
        return
    refundable = 0
    for task in [*tasks, *earlier]:
        response = target.api.get_generation(task["id"], key)
        if response.is_success and response.json().get("status") == "failed":
            refundable += task["reserved_credits"]
    assert expected - refundable <= drop <= expected, (
        f"{why}: the balance should have dropped by {expected}"
        + (f" (or {refundable} less: tasks that already failed)" if refundable else "")
        + f", it went from {before} to {now}"
    )


def try_create(target: Target, catalog: Catalog, body: dict[str, Any]) -> httpx.Response:
    """A create the target may accept or refuse ([decision] cases): its cost is reserved first."""
    return create_paid(target, catalog, body, why=f"observing a {body.get('model')} create")
