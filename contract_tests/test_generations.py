"""Paid checks: valid creates are accepted, reserve their cost, and finish as documented."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from .catalog import Catalog
from .checks import file_fields, is_success
from .media import tiny_png
from .polling import ended_as_documented, poll_to_end, stays_the_same
from .spending import (
    balance_moved_by,
    create_paid,
    created_as_queued,
    paid_settings,
    reserved_by,
)
from .strategies import PROMPT_PREFIX, valid_bodies
from .target import Target

pytestmark = pytest.mark.paid


def _create_and_finish(target: Target, catalog: Catalog, body: dict[str, Any]) -> dict[str, Any]:
    key = target.keys.main
    before = target.api.balance(key)
    task = created_as_queued(create_paid(target, catalog, body), catalog, body)
    reserved_by(target, key, before, [task], "create reserves the cost at once")
    # Without a control plane, the refund is watched for while polling; with one, a forced
    # failure checks it (test_failed_task_returns_its_reservation).
    watch = before if target.control is None else None
    end = poll_to_end(target, key, task, balance_before=watch)
    ended_as_documented(end)
    kept = task["reserved_credits"] if end["status"] == "succeeded" else 0
    balance_moved_by(target, key, before, kept, f"after the task {end['status']}")
    return end


def test_default_request_is_accepted_and_finishes(target: Target, catalog: Catalog) -> None:
    body = {"model": catalog.cheapest().id, "prompt": PROMPT_PREFIX + "defaults"}
    _create_and_finish(target, catalog, body)


def test_finished_task_never_changes(target: Target, catalog: Catalog) -> None:
    body = {"model": catalog.cheapest().id, "prompt": PROMPT_PREFIX + "finished for good"}
    end = _create_and_finish(target, catalog, body)
    stays_the_same(target, target.keys.main, end, times=3)


def test_valid_requests_are_accepted_and_finish(target: Target, catalog: Catalog) -> None:
    dearest = catalog.dearest()

    @paid_settings(target, dearest)
    @given(body=valid_bodies(catalog))
    def check(body: dict[str, Any]) -> None:
        _create_and_finish(target, catalog, body)

    check()


@pytest.mark.control_plane
def test_failed_task_returns_its_reservation(control_plane: Target, catalog: Catalog) -> None:
    target, key = control_plane, control_plane.keys.main
    body = {"model": catalog.cheapest().id, "prompt": PROMPT_PREFIX + "[mock:fail]"}
    before = target.api.balance(key)
    task = created_as_queued(create_paid(target, catalog, body), catalog, body)
    target.pacer.wait(60.0)
    # Spec §6, §7: the reservation returns when the task fails, visible whoever polls.
    balance_moved_by(target, key, before, 0, "a failed task's refund shows before anyone polls it")
    end = poll_to_end(target, key, task)
    assert end["status"] == "failed", (
        f"a [mock:fail] prompt should fail the task, got {end['status']}"
    )
    ended_as_documented(end)
    balance_moved_by(target, key, before, 0, "a failed task returns its reservation")


def test_uploaded_image_can_be_referenced(target: Target, catalog: Catalog) -> None:
    models = sorted(catalog.with_references(), key=lambda m: (m.cost, m.id))
    if not models:
        pytest.skip("no listed model takes image references")
    upload = target.api.upload_file(
        target.keys.main, file=("ref.png", tiny_png(), "image/png"), fields={"kind": "image"}
    )
    is_success(upload)
    item = {"url": file_fields(upload.json(), "url")["url"], "kind": "image"}
    body = {
        "model": models[0].id,
        "prompt": PROMPT_PREFIX + "with a reference",
        "params": {"referenceMediaItems": [item]},
    }
    _create_and_finish(target, catalog, body)
