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
) -> httpx.Response:
    """A create that should succeed: its cost is reserved first (the check skips if it cannot be)."""
    cost = catalog.cost(body.get("model"))
    target.budget.reserve(cost, f"a {body.get('model')} generation")
    response = target.api.create_generation(
        body, key or target.keys.main, idempotency_key=idempotency_key
    )
    if not response.is_success:
        target.budget.release(cost)
    return response


def create_refused(
    target: Target, catalog: Catalog, body: Any, *, idempotency_key: str | None = None
) -> httpx.Response:
    """A create that should be refused. A wrongly accepted one would spend, so its cost is reserved
    first; when the budget cannot cover it, the account that cannot pay (--empty-api-key) sends it."""
    cost = catalog.cost(body.get("model") if isinstance(body, dict) else None)
    key, reserved = target.keys.main, cost
    if not target.budget.try_reserve(cost):
        if target.keys.empty is None:
            pytest.skip(
                "budget: a wrongly accepted create would spend credits; raise --max-credits "
                "or give --empty-api-key to send refused bodies from an account that cannot pay"
            )
        key, reserved = target.keys.empty, 0
    response = target.api.create_generation(body, key, idempotency_key=idempotency_key)
    if not response.is_success:
        target.budget.release(reserved)
    if key == target.keys.empty and error_code(response) == "insufficient_credits":
        pytest.skip("inconclusive: the target checked credits before the body; raise --max-credits")
    return response


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


def try_create(target: Target, catalog: Catalog, body: dict[str, Any]) -> httpx.Response:
    """A create the target may accept or refuse ([decision] cases): its cost is reserved first."""
    cost = catalog.cost(body.get("model"))
    target.budget.reserve(cost, f"observing a {body.get('model')} create")
    response = target.api.create_generation(body, target.keys.main)
    if not response.is_success:
        target.budget.release(cost)
    return response
