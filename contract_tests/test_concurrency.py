"""Checks under parallel requests: the ledger never overspends or loses a reservation, and one
Idempotency-Key never makes two tasks (spec §7: the invariant holds under concurrent requests)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from .catalog import Catalog
from .checks import body_of, finding, is_error
from .spending import error_code, reserved_by
from .strategies import PROMPT_PREFIX, fresh_idempotency_key
from .target import Target

PARALLEL = 6


def in_parallel(count: int, send: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """`count` requests released together (a barrier), answered in any order."""
    barrier = threading.Barrier(count)

    def one(index: int) -> httpx.Response:
        barrier.wait(timeout=30)
        return send(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def _accepted(responses: list[httpx.Response]) -> list[dict[str, Any]]:
    return [body_of(r) for r in responses if r.is_success]


@pytest.fixture
def tight_key(target: Target, catalog: Catalog) -> tuple[str, int]:
    """An account (made through the control plane) that can pay for exactly half the creates."""
    if target.control is None:
        pytest.skip(
            f"needs a rivya-mock's control plane to make a small account: {target.control_note}"
        )
    credits = catalog.cheapest().cost * (PARALLEL // 2)
    key = target.control.make_account("tight", credits)
    if key is None:
        pytest.skip("the control plane did not make an account (POST /_mock/accounts)")
    target.control.lift_rate_limit(key)
    return key, credits


def test_parallel_creates_never_overspend(
    target: Target, catalog: Catalog, tight_key: tuple[str, int]
) -> None:
    key, credits = tight_key
    model = catalog.cheapest()
    body = {"model": model.id, "prompt": PROMPT_PREFIX + "parallel"}
    responses = in_parallel(PARALLEL, lambda i: target.api.create_generation(body, key))
    accepted = _accepted(responses)
    for response in responses:
        if not response.is_success:
            is_error(response, "insufficient_credits")
    assert len(accepted) * model.cost <= credits, (
        f"{len(accepted)} parallel creates of {model.cost} credits were accepted from an "
        f"account holding {credits}: the ledger overspent"
    )
    assert len({t["id"] for t in accepted}) == len(accepted), "two creates got one task id"
    reserved_by(target, key, credits, accepted, "parallel creates")


@pytest.mark.paid
def test_parallel_creates_each_reserve_their_cost(target: Target, catalog: Catalog) -> None:
    key, model = target.keys.main, catalog.cheapest()
    target.budget.reserve(model.cost * PARALLEL, f"{PARALLEL} parallel creates")
    body = {"model": model.id, "prompt": PROMPT_PREFIX + "parallel reservations"}
    before = target.api.balance(key)
    responses = in_parallel(PARALLEL, lambda i: target.api.create_generation(body, key))
    accepted = _accepted(responses)
    target.budget.release(model.cost * (PARALLEL - len(accepted)))
    assert len({t["id"] for t in accepted}) == len(accepted), "two creates got one task id"
    reserved_by(target, key, before, accepted, f"{len(accepted)} parallel creates")


@pytest.mark.paid
def test_parallel_creates_with_one_key_make_one_task(target: Target, catalog: Catalog) -> None:
    key, model = target.keys.main, catalog.cheapest()
    # A wrong target would create (and charge) one task per request: reserve that.
    target.budget.reserve(model.cost * PARALLEL, f"{PARALLEL} creates with one Idempotency-Key")
    body = {"model": model.id, "prompt": PROMPT_PREFIX + "parallel idempotency"}
    idempotency_key = fresh_idempotency_key()
    before = target.api.balance(key)
    responses = in_parallel(
        PARALLEL,
        lambda i: target.api.create_generation(body, key, idempotency_key=idempotency_key),
    )
    accepted = _accepted(responses)
    target.budget.release(model.cost * (PARALLEL - min(1, len(accepted))))
    for response in responses:
        # While the first is running, the others may wait (and replay) or be refused, with
        # idempotency_conflict or a code of the target's own: [decision]s, observed.
        if not response.is_success:
            assert 400 <= response.status_code < 500, finding("a same-key create failed", response)
            target.api.observations.record("same_key_in_flight", error_code(response))
    ids = {t["id"] for t in accepted}
    assert len(ids) <= 1, f"one Idempotency-Key made {len(ids)} tasks: {sorted(ids)}"
    reserved_by(target, key, before, accepted[:1], "one key, one charge")
