"""The error envelope, route errors and the order of checks (spec §4)."""

import re

import pytest
from support import KEY, auth, create, is_error

from mockserver import AccountSpec


def test_error_envelope_has_exactly_code_message_and_request_id(client):
    error = client.get("/api/v1/credits").json()["error"]
    assert set(error) == {"code", "message", "requestId"}
    assert re.fullmatch(r"req_[A-Za-z0-9]{24}", error["requestId"])


def test_request_ids_differ(client):
    ids = {client.get("/api/v1/credits").json()["error"]["requestId"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize("path", ["/api/v1/credits/", "/api/v1/nope", "/", "/api/v2/models"])
def test_unknown_route_is_not_found_in_the_envelope(client, path):
    assert is_error(client.get(path, headers=auth()), "not_found", 404)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/api/v1/credits", "GET"),
        ("PUT", "/api/v1/generations", "POST"),
        ("GET", "/api/v1/generations", "POST"),
        ("HEAD", "/api/v1/models", "GET"),
        ("POST", "/api/v1/models", "GET"),
    ],
)
def test_wrong_method_is_405_with_allow(client, method, path, allow):
    response = client.request(method, path, headers=auth())
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    if method != "HEAD":
        assert is_error(response, "validation_failed", 405)


def test_no_custom_headers_are_sent(client):
    response = create(client)
    assert not [h for h in response.headers if h.lower().startswith("x-")]


def test_route_comes_before_auth(client):
    assert is_error(client.get("/api/v1/nothing"), "not_found", 404)
    assert client.delete("/api/v1/credits").status_code == 405


def test_public_switch_comes_before_auth_and_covers_public_routes(make_client):
    client = make_client(public_api_enabled=False)
    for path in ("/api/v1/models", "/api/v1/credits", "/api/v1/openapi.json"):
        assert is_error(client.get(path), "public_api_disabled", 503)


def test_cdn_is_not_affected_by_the_public_switch(make_client, clock):
    client = make_client()
    task_id = create(client).json()["id"]
    clock.advance(4)
    client.app.state.backend.public_api_enabled = False
    assert client.get(f"/cdn/results/{task_id}/0.png").status_code == 200


def test_auth_comes_before_validation(client):
    response = client.post(
        "/api/v1/generations", content=b"not json", headers={"content-type": "application/json"}
    )
    assert is_error(response, "api_key_missing", 401)


def test_scope_comes_before_validation(make_client):
    client = make_client(accounts=(AccountSpec("rvya_sk_noscope_key", scopes=("credits:read",)),))
    response = client.post("/api/v1/generations", content=b"{", headers=auth("rvya_sk_noscope_key"))
    assert is_error(response, "api_scope_denied", 403)


def test_idempotency_key_syntax_comes_before_the_body(client):
    response = client.post(
        "/api/v1/generations", content=b"{", headers=auth() | {"Idempotency-Key": "has space"}
    )
    assert is_error(response, "validation_failed", 400)
    assert response.json()["error"]["message"].startswith("Idempotency-Key:")


def test_oversize_content_length_comes_before_content_type(client):
    response = client.post(
        "/api/v1/generations",
        content=b"x" * 1_000_001,
        headers=auth() | {"content-type": "text/plain"},
    )
    assert response.status_code == 413


def test_validation_comes_before_credits(make_client):
    client = make_client(starting_credits=0)
    assert is_error(create(client, {"model": "nope", "prompt": "x"}), "validation_failed", 400)
    assert is_error(create(client), "insufficient_credits", 402)


def test_insufficient_credits_status_is_a_knob(make_client):
    client = make_client(starting_credits=2, insufficient_credits_status=400)
    assert is_error(create(client), "insufficient_credits", 400)


def test_create_status_is_a_knob(make_client):
    assert create(make_client(create_status=201)).status_code == 201


def test_unexpected_exception_is_internal_error_in_the_envelope(client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(client.app.state.backend, "get_credits", boom)
    with pytest.raises(RuntimeError):
        client.get("/api/v1/credits", headers=auth(KEY))


def test_unexpected_exception_answers_500_over_http(make_client, monkeypatch):
    from mockserver.server import ServerThread

    app = make_client().app
    monkeypatch.setattr(app.state.backend, "get_credits", lambda *a: 1 / 0)
    server = ServerThread(app).start()
    try:
        import httpx

        response = httpx.get(server.url + "/api/v1/credits", headers=auth())
        assert is_error(response, "internal_error", 500)
    finally:
        server.stop()
