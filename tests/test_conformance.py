"""Every response of every route validates against its strict schema (one parametrized test)."""

import pytest
from support import auth, create, is_error

from mockserver import AccountSpec
from mockserver.schemas import validator


def png_bytes() -> bytes:
    from mockserver.images import png

    return png(8, 8)


def upload(client, **fields):
    files = {"file": ("ref.png", png_bytes(), "image/png")}
    return client.post(
        "/api/v1/files", files=files, data={"kind": "image"} | fields, headers=auth()
    )


def task_after(client, clock, seconds, prompt="x"):
    """A task of `prompt`, polled `seconds` after it was created."""
    task_id = create(client, {"model": "z-image", "prompt": prompt}).json()["id"]
    clock.advance(seconds)
    return client.get(f"/api/v1/generations/{task_id}", headers=auth())


WEBHOOK = {
    "name": "orders",
    "url": "https://hooks.example.com/rivya",
    "event_types": ["generation.succeeded", "generation.failed"],
}


def endpoint(client, suffix="", method="GET", **kwargs):
    """A call on a new webhook endpoint's URL (+ `suffix`)."""
    made = client.post("/api/v1/webhooks", json=WEBHOOK, headers=auth()).json()["id"]
    return client.request(method, f"/api/v1/webhooks/{made}{suffix}", headers=auth(), **kwargs)


def ended_task_event(client, clock):
    task_after(client, clock, 4)
    return client.get("/api/v1/webhook-events", headers=auth())


CASES = {
    "models": (lambda c, k: c.get("/api/v1/models"), 200, "models_list.json"),
    "create": (lambda c, k: create(c), 202, "task.json"),
    "task queued": (lambda c, k: task_after(c, k, 0), 200, "task.json"),
    "task processing": (lambda c, k: task_after(c, k, 2), 200, "task.json"),
    "task succeeded": (lambda c, k: task_after(c, k, 4), 200, "task.json"),
    "task failed": (lambda c, k: task_after(c, k, 4, "x [mock:fail]"), 200, "task.json"),
    "credits": (lambda c, k: c.get("/api/v1/credits", headers=auth()), 200, "credits.json"),
    "upload": (lambda c, k: upload(c), 201, "file.json"),
    "get file": (
        lambda c, k: c.get(f"/api/v1/files/{upload(c).json()['id']}", headers=auth()),
        200,
        "file.json",
    ),
    "validation error": (lambda c, k: create(c, {"model": "x"}), 400, "error.json"),
    "too large": (
        lambda c, k: c.post("/api/v1/generations", content=b" " * 1_000_001, headers=auth()),
        413,
        "error.json",
    ),
    "auth error": (lambda c, k: c.get("/api/v1/credits"), 401, "error.json"),
    "scope error": (
        lambda c, k: c.get("/api/v1/credits", headers=auth("rvya_sk_no_scopes_1")),
        403,
        "error.json",
    ),
    "not found": (
        lambda c, k: c.get("/api/v1/generations/task_x", headers=auth()),
        404,
        "error.json",
    ),
    "unknown route": (lambda c, k: c.get("/api/v1/unknown"), 404, "error.json"),
    "wrong method": (lambda c, k: c.delete("/api/v1/models"), 405, "error.json"),
    "conflict": (
        lambda c, k: (
            create(c, None, **{"Idempotency-Key": "a"}),
            create(c, {"model": "z-image", "prompt": "y"}, **{"Idempotency-Key": "a"}),
        )[1],
        409,
        "error.json",
    ),
    "file not found": (
        lambda c, k: c.get("/api/v1/files/file_x", headers=auth()),
        404,
        "error.json",
    ),
    "upload invalid": (lambda c, k: upload(c, kind="video"), 400, "error.json"),
    "webhook create": (
        lambda c, k: c.post("/api/v1/webhooks", json=WEBHOOK, headers=auth()),
        201,
        "webhook_endpoint_with_secret.json",
    ),
    "webhook list": (
        lambda c, k: (endpoint(c), c.get("/api/v1/webhooks", headers=auth()))[1],
        200,
        "webhook_endpoint_list.json",
    ),
    "webhook get": (lambda c, k: endpoint(c), 200, "webhook_endpoint.json"),
    "webhook update": (
        lambda c, k: endpoint(c, method="PATCH", json={"status": "disabled"}),
        200,
        "webhook_endpoint.json",
    ),
    "webhook revoke": (lambda c, k: endpoint(c, method="DELETE"), 200, "webhook_endpoint.json"),
    "webhook rotate": (
        lambda c, k: endpoint(c, "/rotate-secret", "POST"),
        200,
        "webhook_endpoint_with_secret.json",
    ),
    "webhook deliveries": (
        lambda c, k: endpoint(c, "/deliveries"),
        200,
        "webhook_delivery_list.json",
    ),
    "webhook test": (lambda c, k: endpoint(c, "/test", "POST"), 202, "webhook_event.json"),
    "webhook events": (ended_task_event, 200, "webhook_event_list.json"),
    "webhook url rejected": (
        lambda c, k: c.post(
            "/api/v1/webhooks", json=WEBHOOK | {"url": "https://127.0.0.1/"}, headers=auth()
        ),
        400,
        "error.json",
    ),
    "webhook not found": (
        lambda c, k: c.get("/api/v1/webhooks/whend_x", headers=auth()),
        404,
        "error.json",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_response_conforms_to_its_schema(make_client, clock, case):
    client = make_client(
        accounts=(
            AccountSpec("rvya_sk_no_scopes_1", scopes=()),
            AccountSpec("rvya_sk_test_owner_0001"),
        )
    )
    call, status, schema = CASES[case]
    response = call(client, clock)
    assert response.status_code == status, response.text
    if case.startswith("task "):
        assert response.json()["status"] == case.removeprefix("task ")
    errors = list(validator(schema).iter_errors(response.json()))
    assert not errors, errors[0].message


def test_rate_limited_and_disabled_errors_conform(make_client):
    client = make_client(rate_limit_per_minute=60, rate_limit_burst=1)
    client.get("/api/v1/credits", headers=auth())
    limited = client.get("/api/v1/credits", headers=auth())
    assert is_error(limited, "rate_limited", 429)
    assert not list(validator("error.json").iter_errors(limited.json()))
    disabled = make_client(public_api_enabled=False).get("/api/v1/models")
    assert is_error(disabled, "public_api_disabled", 503)
    assert not list(validator("error.json").iter_errors(disabled.json()))


def test_insufficient_credits_error_conforms(make_client):
    response = create(make_client(starting_credits=0))
    assert is_error(response, "insufficient_credits", 402)
    assert not list(validator("error.json").iter_errors(response.json()))
