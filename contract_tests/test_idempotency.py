"""Paid checks: an Idempotency-Key replays its task without a second charge, and refuses another body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from .catalog import Catalog
from .checks import body_of, finding, is_error, is_success
from .spending import create_paid, create_refused, created_as_queued, reserved_by
from .strategies import PROMPT_PREFIX, fresh_idempotency_key
from .target import Target

pytestmark = pytest.mark.paid


@dataclass(frozen=True)
class Keyed:
    body: dict[str, Any]
    key: str
    task: dict[str, Any]
    status: int


@pytest.fixture(scope="module")
def keyed(target: Target, catalog: Catalog) -> Keyed:
    body = {"model": catalog.cheapest().id, "prompt": PROMPT_PREFIX + "idempotency"}
    key = fresh_idempotency_key()
    response = create_paid(target, catalog, body, idempotency_key=key)
    return Keyed(body, key, created_as_queued(response, catalog, body), response.status_code)


def test_same_idempotency_key_replays_the_task(
    target: Target, catalog: Catalog, keyed: Keyed
) -> None:
    cost = catalog.cost(keyed.body["model"])
    before = target.api.balance(target.keys.main)
    # A wrong server would charge again: reserve that, and give it back when it did not.
    target.budget.reserve(cost, "an idempotent replay (in case the target charges it)")
    replay = target.api.create_generation(keyed.body, target.keys.main, idempotency_key=keyed.key)
    is_success(replay)
    assert body_of(replay)["id"] == keyed.task["id"], finding(
        "a replay must return the same task", replay
    )
    reserved_by(
        target, target.keys.main, before, [], "a replay is not charged", earlier=(keyed.task,)
    )
    target.budget.release(cost)
    target.api.observations.record(
        "replay_keeps_original_status", replay.status_code == keyed.status
    )


def test_same_key_with_another_body_is_idempotency_conflict(
    target: Target, catalog: Catalog, keyed: Keyed
) -> None:
    other = {**keyed.body, "prompt": keyed.body["prompt"] + " (changed)"}
    is_error(
        create_refused(target, catalog, other, idempotency_key=keyed.key, main=True),
        "idempotency_conflict",
        409,
    )
