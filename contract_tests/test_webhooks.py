"""Webhook checks (spec §14). The free ones need no receiver and spend nothing: every endpoint a
check makes points at a public https URL nobody answers and is revoked when the check ends. The
delivery checks need a receiver (`--webhook-receiver-url`, or the built-in fake) and one task."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from .catalog import Catalog
from .checks import finding, is_error, is_success
from .polling import poll_to_end
from .spending import create_paid
from .strategies import PROMPT_PREFIX
from .target import Target
from .webhook_receiver import signed_with

TYPES = ["generation.succeeded", "generation.failed"]
NOBODY = "https://rivya-contract-kit.example.com/webhooks/never-called"
WEBHOOKS = "/api/v1/webhooks"


def _path(endpoint_id: str, suffix: str = "") -> str:
    return f"{WEBHOOKS}/{quote(endpoint_id, safe='')}{suffix}"


def create_endpoint(target: Target, url: str = NOBODY, key: str | None = None) -> httpx.Response:
    body = {"name": "rivya-contract kit", "url": url, "event_types": TYPES}
    schema = "webhook_endpoint_with_secret.json"
    return target.api.send("POST", WEBHOOKS, schema=schema, key=key or target.keys.main, json=body)


def revoke(target: Target, endpoint_id: str, key: str | None = None) -> httpx.Response:
    key = key or target.keys.main
    return target.api.send("DELETE", _path(endpoint_id), schema="webhook_endpoint.json", key=key)


@pytest.fixture
def webhook_api(target: Target) -> Target:
    """The target, if it serves the webhook API at all (else the checks say why they skip)."""
    listed = target.api.send("GET", WEBHOOKS, schema=None, key=target.keys.main)
    if listed.status_code == 404:
        pytest.skip("the target has no webhook API (GET /api/v1/webhooks is not_found)")
    return target


@pytest.fixture
def made(webhook_api: Target) -> Iterator[list[tuple[str, str]]]:
    """Endpoints a check made, as (id, key): each is revoked when the check ends."""
    endpoints: list[tuple[str, str]] = []
    yield endpoints
    for endpoint_id, key in endpoints:
        revoke(webhook_api, endpoint_id, key)


def new_endpoint(target: Target, made: list[tuple[str, str]]) -> dict[str, Any]:
    response = create_endpoint(target)
    is_success(response)
    body = response.json()
    made.append((body["id"], target.keys.main))
    return body


# -- free checks ------------------------------------------------------------------------------


def test_created_endpoint_shows_its_secret_once(webhook_api: Target, made: list) -> None:
    target = webhook_api
    created = new_endpoint(target, made)
    secret = created["signing_secret"]
    assert secret.startswith("whsec_"), f"signing_secret {secret!r} does not start with whsec_"
    assert created["id"].startswith("whend_") and created["object"] == "webhook_endpoint"
    assert created["secret_preview"] == f"{secret[:8]}...{secret[-6:]}", (
        f"secret_preview {created['secret_preview']!r} is not the first 8 and last 6 characters"
    )
    assert (created["status"], created["failure_count"]) == ("active", 0)
    shown = target.api.send(
        "GET", _path(created["id"]), schema="webhook_endpoint.json", key=target.keys.main
    )
    is_success(shown)
    assert "signing_secret" not in shown.json(), finding("GET shows the secret again", shown)
    listed = target.api.send(
        "GET", WEBHOOKS, schema="webhook_endpoint_list.json", key=target.keys.main
    )
    is_success(listed)
    entries = [e for e in listed.json().get("data", []) if e.get("id") == created["id"]]
    assert entries, finding("the new endpoint is not listed", listed)
    assert "signing_secret" not in entries[0], finding("the list shows the secret", listed)


def test_revoking_an_endpoint_answers_it_revoked(webhook_api: Target, made: list) -> None:
    endpoint = new_endpoint(webhook_api, made)
    revoked = revoke(webhook_api, endpoint["id"])
    is_success(revoked)
    body = revoked.json()
    assert "signing_secret" not in body, finding("DELETE shows the secret", revoked)
    assert body["id"] == endpoint["id"] and body.get("revoked_at"), finding(
        "a revoked endpoint has no revoked_at", revoked
    )
    made.clear()  # already revoked


def test_rotation_changes_the_secret(webhook_api: Target, made: list) -> None:
    endpoint = new_endpoint(webhook_api, made)
    rotated = webhook_api.api.send(
        "POST",
        _path(endpoint["id"], "/rotate-secret"),
        schema="webhook_endpoint_with_secret.json",
        key=webhook_api.keys.main,
    )
    is_success(rotated)
    secret = rotated.json()["signing_secret"]
    assert secret != endpoint["signing_secret"], finding("rotation kept the secret", rotated)
    assert rotated.json()["secret_preview"] == f"{secret[:8]}...{secret[-6:]}"


BAD_URLS = [
    ("http://rivya-contract-kit.example.com/hook", "not https"),
    ("https://user:secret@rivya-contract-kit.example.com/hook", "credentials"),
    ("https://rivya-contract-kit.example.com/hook#fragment", "a fragment"),
    ("https://localhost/hook", "a localhost name"),
    ("https://127.0.0.1/hook", "loopback"),
    ("https://[::1]/hook", "IPv6 loopback"),
    ("https://10.0.0.1/hook", "private"),
    ("https://192.168.1.1/hook", "private"),
    ("https://169.254.169.254/hook", "link-local (cloud metadata)"),
    ("https://[fe80::1]/hook", "IPv6 link-local"),
    ("https://0.0.0.0/hook", "unspecified"),
    ("https://2130706433/hook", "loopback as one decimal number"),
    ("https://0x7f.0.0.1/hook", "loopback in hex"),
]


@pytest.mark.parametrize(("url", "why"), BAD_URLS, ids=[w for _, w in BAD_URLS])
def test_url_breaking_the_rules_is_rejected(
    webhook_api: Target, made: list, url: str, why: str
) -> None:
    response = create_endpoint(webhook_api, url)
    if response.is_success:  # clean up what a broken target made
        made.append((response.json()["id"], webhook_api.keys.main))
    is_error(response, "webhook_url_rejected", 400)


def test_endpoints_of_another_account_are_not_found(
    webhook_api: Target, made: list, second_key: str
) -> None:
    endpoint = new_endpoint(webhook_api, made)
    for method, suffix in [("GET", ""), ("POST", "/rotate-secret"), ("GET", "/deliveries")]:
        response = webhook_api.api.send(
            method, _path(endpoint["id"], suffix), schema=None, key=second_key
        )
        is_error(response, "not_found", 404)
    theirs = webhook_api.api.send(
        "GET", WEBHOOKS, schema="webhook_endpoint_list.json", key=second_key
    )
    is_success(theirs)
    ids = [e.get("id") for e in theirs.json().get("data", []) if isinstance(e, dict)]
    assert endpoint["id"] not in ids, finding("another account lists the endpoint", theirs)


@pytest.mark.control_plane
def test_webhook_routes_need_the_webhooks_manage_scope(
    control_plane: Target, webhook_api: Target
) -> None:
    assert control_plane.control is not None
    key = control_plane.control.make_scoped_key(["credits:read", "generations:read"])
    if key is None:
        pytest.skip("the control plane did not make a key with chosen scopes")
    for method, path in [("GET", WEBHOOKS), ("POST", WEBHOOKS), ("GET", "/api/v1/webhook-events")]:
        body = {"name": "x", "url": NOBODY, "event_types": TYPES} if method == "POST" else None
        response = control_plane.api.send(method, path, schema=None, key=key, json=body)
        is_error(response, "api_scope_denied", 403)


def test_events_list_conforms(webhook_api: Target) -> None:
    events = webhook_api.api.send(
        "GET", "/api/v1/webhook-events", schema="webhook_event_list.json", key=webhook_api.keys.main
    )
    is_success(events)


# -- delivery checks --------------------------------------------------------------------------


def _spender(target: Target) -> str:
    """The account the delivery checks create tasks with: a fake's free account when there is
    one (its credits cost nothing, so the run's budget is left to the other checks)."""
    return target.keys.free or target.keys.main


@pytest.fixture
def receiver_endpoint(webhook_api: Target, made: list) -> dict[str, Any]:
    target = webhook_api
    if target.receiver is None or not target.receiver_url:
        pytest.skip("needs a webhook receiver: --webhook-receiver-url (a tunnel to the kit)")
    response = create_endpoint(target, target.receiver_url, _spender(target))
    if response.status_code == 400:
        pytest.skip(
            f"the target refused the receiver URL {target.receiver_url} (a rivya-mock needs "
            "--set webhook_urls=local, or give --webhook-receiver-url)"
        )
    is_success(response)
    made.append((response.json()["id"], _spender(target)))
    return response.json()


def _patience(target: Target) -> float:
    """How long to wait for a delivery: a control plane makes due deliveries as its clock moves,
    so what has not come by then is not coming."""
    return 5.0 if target.control is not None else target.poll_timeout


def _create(target: Target, catalog: Catalog, why: str) -> dict[str, Any]:
    body = {"model": catalog.cheapest().id, "prompt": PROMPT_PREFIX + why}
    if target.keys.free:
        created = target.api.create_generation(body, target.keys.free)
    else:
        created = create_paid(target, catalog, body)
    is_success(created)
    return created.json()


@pytest.mark.paid
def test_a_finished_task_is_delivered_signed_with_the_polled_task(
    webhook_api: Target, catalog: Catalog, receiver_endpoint: dict[str, Any]
) -> None:
    target = webhook_api
    assert target.receiver is not None
    task = poll_to_end(target, _spender(target), _create(target, catalog, "webhook delivery"))
    arrivals = target.receiver.wait_about(task["id"], 1, _patience(target))
    assert arrivals, f"no webhook delivery about task {task['id']} arrived"
    first = arrivals[0]
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        assert name in first.headers, f"the delivery has no {name} header"
    assert first.headers.get("content-type", "").startswith("application/json")
    assert signed_with(receiver_endpoint["signing_secret"], first), (
        "the delivery's webhook-signature does not verify with the endpoint's secret "
        "(Standard Webhooks)"
    )
    event = first.event
    assert isinstance(event, dict) and event.get("type") == f"generation.{task['status']}", (
        f"event type {event.get('type') if isinstance(event, dict) else event!r} for a "
        f"{task['status']} task"
    )
    assert event["data"] == task, "the event's task differs from the task as polled"


@pytest.mark.paid
@pytest.mark.control_plane
def test_a_failed_delivery_is_retried(
    control_plane: Target, webhook_api: Target, catalog: Catalog, receiver_endpoint: dict
) -> None:
    target = webhook_api
    assert target.receiver is not None
    created = _create(target, catalog, "webhook retry")
    target.receiver.failing.add(created["id"])  # the first delivery gets a 500
    task = poll_to_end(target, _spender(target), created)
    assert target.receiver.wait_about(task["id"], 1, _patience(target))
    for _ in range(12):  # the fake's first retry is 5 s later (webhook_retry_schedule)
        if len(target.receiver.about(task["id"])) >= 2:
            break
        target.pacer.wait(5)
    first, *later = target.receiver.wait_about(task["id"], 2, 5.0)
    assert later, f"a delivery answered 500 was not retried (task {task['id']})"
    assert later[0].headers.get("webhook-id") == first.headers.get("webhook-id"), (
        "a retry carries another webhook-id"
    )
    assert signed_with(receiver_endpoint["signing_secret"], later[0])
    deliveries = target.api.send(
        "GET",
        _path(receiver_endpoint["id"], "/deliveries"),
        schema="webhook_delivery_list.json",
        key=_spender(target),
    )
    is_success(deliveries)  # and its shape: `send` checked it against the schema above
