"""Free checks: an account that cannot pay gets `insufficient_credits` and no task."""

from __future__ import annotations

import pytest

from .catalog import Catalog
from .checks import is_error
from .spending import balance_moved_by
from .strategies import PROMPT_PREFIX
from .target import Target


def test_empty_account_gets_insufficient_credits(
    target: Target, catalog: Catalog, empty_key: str
) -> None:
    model = catalog.cheapest()
    before = target.api.balance(empty_key)
    if before >= model.cost:
        pytest.skip(
            f"the --empty-api-key account has {before} credits, not fewer than {model.cost}"
        )
    # Not reserved from the budget: this account cannot pay for any task.
    response = target.api.create_generation(
        {"model": model.id, "prompt": PROMPT_PREFIX + "no credits"}, empty_key
    )
    is_error(response, "insufficient_credits")
    assert 400 <= response.status_code < 500, (
        f"insufficient_credits must be a client error, got {response.status_code}"
    )
    target.api.observations.record("insufficient_credits_status", response.status_code)
    balance_moved_by(target, empty_key, before, 0, "a refused create charges nothing")
