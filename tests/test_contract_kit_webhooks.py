"""The kit's webhook checks can fail: each broken fake below breaks one webhook rule, and the
checks that should catch it do (and pass against the fake)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest
from broken_servers import Rewrite

import contract_tests
from mockserver.app import create_app

FAST = ["--examples", "3", "--seed", "1"]


def _app(profile: Any, clock: Any, **knobs: Any) -> Any:
    return create_app(profile.replace(**knobs), clock=clock)


def secret_shown_again() -> Callable:
    """GET of an endpoint shows its signing_secret."""

    def build(profile: Any, clock: Any) -> Any:
        app = _app(profile, clock)

        def on_response(scope: dict, status: int, content: bytes) -> tuple[int, bytes]:
            if scope["method"] != "GET" or not scope["path"].startswith("/api/v1/webhooks/"):
                return status, content
            body = json.loads(content)
            endpoint = app.state.backend.webhooks.endpoints.get(body.get("id"))
            if endpoint is not None:
                body["signing_secret"] = endpoint.secret
            return status, json.dumps(body).encode()

        return Rewrite(app, on_response=on_response)

    return build


def accepts_loopback() -> Callable:
    """Local receivers accepted, as with webhook_urls=local: loopback and private hosts pass."""
    return lambda profile, clock: _app(profile, clock, webhook_urls="local")


def rotation_keeps_the_secret() -> Callable:
    def build(profile: Any, clock: Any) -> Any:
        app = _app(profile, clock)
        store = app.state.backend.webhooks
        store.rotate_secret = lambda account, endpoint_id: store._live(account, endpoint_id)
        return app

    return build


def others_see_endpoints() -> Callable:
    def build(profile: Any, clock: Any) -> Any:
        app = _app(profile, clock)
        store = app.state.backend.webhooks
        store.get_endpoint = lambda account, endpoint_id: store.endpoints[endpoint_id]
        return app

    return build


def no_scope_needed() -> Callable:
    """Webhook routes answer any key as if it were the main account's."""

    def build(profile: Any, clock: Any) -> Any:
        main = profile.accounts[0].key.encode()

        def on_request(scope: dict, body: bytes) -> tuple[dict, bytes]:
            if "webhook" in scope["path"]:
                headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]
                scope = {**scope, "headers": [*headers, (b"authorization", b"Bearer " + main)]}
            return scope, body

        return Rewrite(_app(profile, clock), on_request=on_request)

    return build


def bad_signatures() -> Callable:
    def build(profile: Any, clock: Any) -> Any:
        app = _app(profile, clock)
        app.state.control.webhooks.add_fault({"action": "bad_signature"})
        return app

    return build


def payload_is_not_the_task() -> Callable:
    """The event's task carries result URLs of another host than the task as polled."""

    def build(profile: Any, clock: Any) -> Any:
        app = _app(profile, clock)
        store = app.state.backend.webhooks
        add = store._add_event

        def add_event(event: Any) -> None:
            if event.task is not None:
                event.task = dataclasses.replace(event.task, base_url="https://elsewhere.test")
            add(event)

        store._add_event = add_event
        return app

    return build


def no_retries() -> Callable:
    return lambda profile, clock: _app(profile, clock, webhook_retry_schedule="")


BROKEN_WEBHOOKS: dict[str, tuple[Callable[[], Callable], str]] = {
    "GET shows the secret again": (secret_shown_again, "secret_once"),
    "loopback URLs accepted": (accepts_loopback, "url_breaking"),
    "rotation keeps the secret": (rotation_keeps_the_secret, "rotation"),
    "another account's endpoint is found": (others_see_endpoints, "another_account"),
    "no webhooks:manage scope needed": (no_scope_needed, "manage_scope"),
    "deliveries signed with another secret": (bad_signatures, "delivered_signed"),
    "the event's task differs from the polled one": (payload_is_not_the_task, "delivered_signed"),
    "failed deliveries are not retried": (no_retries, "is_retried"),
}


@pytest.mark.parametrize("name", sorted(BROKEN_WEBHOOKS))
def test_a_webhook_check_fails_against_a_broken_fake(name: str) -> None:
    builder, checks = BROKEN_WEBHOOKS[name]
    result = contract_tests.run([*FAST, "-x", "-k", checks], app_factory=builder())
    assert result.exit_code == 1, f"the kit passed a fake whose webhook rule is broken: {name}"
    assert result.failed()


@pytest.mark.parametrize("checks", sorted({c for _, c in BROKEN_WEBHOOKS.values()}))
def test_those_webhook_checks_pass_against_the_fake(checks: str) -> None:
    result = contract_tests.run([*FAST, "-k", checks])
    assert result.exit_code == 0, result.failed()
    assert result.report["summary"].get("passed")


def test_webhook_checks_clean_up_the_endpoints_they_make() -> None:
    built: list[Any] = []

    def factory(profile: Any, clock: Any) -> Any:
        built.append(create_app(profile, clock=clock))
        return built[-1]

    result = contract_tests.run([*FAST, "-k", "test_webhooks"], app_factory=factory)
    assert result.exit_code == 0, result.failed()
    endpoints = built[0].state.backend.webhooks.endpoints.values()
    assert endpoints and {e.status for e in endpoints} == {"revoked"}


def test_delivery_checks_run_against_a_served_fake_through_its_control_plane() -> None:
    from mockserver import MockServer

    with MockServer(clock="manual", seed=2) as mock:  # webhook_urls=local: a receiver here works
        result = contract_tests.run(
            [*FAST, "--base-url", mock.url, "--api-key", mock.api_key, "--max-credits", "50"]
            + ["-k", "delivered_signed or is_retried"]
        )
    assert result.exit_code == 0, result.failed()
    outcomes = {c["id"]: c["outcome"] for c in result.report["checks"]}
    assert sorted(outcomes.values()) == ["passed", "passed"], outcomes
