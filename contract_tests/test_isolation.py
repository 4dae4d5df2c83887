"""Checks that one account never sees another's tasks (one paid create)."""

from __future__ import annotations

import pytest

from .catalog import Catalog
from .checks import is_error
from .spending import create_paid, created_as_queued
from .strategies import PROMPT_PREFIX
from .target import Target


@pytest.mark.paid
def test_other_account_cannot_see_the_task(
    target: Target, catalog: Catalog, second_key: str
) -> None:
    body = {"model": catalog.cheapest().id, "prompt": PROMPT_PREFIX + "isolation"}
    task = created_as_queued(create_paid(target, catalog, body), catalog, body)
    is_error(target.api.get_generation(task["id"], second_key), "not_found", 404)
