"""The stateful check: random sequences of operations, the account model compared after each step."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from .catalog import Catalog
from .spending import paid_settings
from .stateful import machine_for
from .target import Target


@pytest.mark.paid
def test_account_model_matches_the_server(target: Target, catalog: Catalog) -> None:
    cheapest = catalog.cheapest().cost
    budgeted = paid_settings(target, cheapest)
    run_state_machine_as_test(
        machine_for(target, catalog),
        settings=settings(budgeted, stateful_step_count=10),
    )
