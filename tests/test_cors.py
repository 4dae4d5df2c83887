"""Knob `cors_origins`: preflights and headers for listed browser origins, nothing for the rest."""

from __future__ import annotations

import pytest
from support import auth, is_error

from mockserver.profile import Profile, ProfileError, apply_knobs

APP = "http://localhost:5173"
PREFLIGHT = {
    "Origin": APP,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
}


def test_listed_origin_gets_a_preflight_answer_browsers_accept(make_client):
    client = make_client(cors_origins=f"{APP}, https://app.example")
    response = client.options("/api/v1/generations", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == APP
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "idempotency-key"} <= {
        h.strip() for h in allowed.split(",")
    }
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in response.headers["Vary"]


def test_listed_origin_reads_answers_and_errors_with_retry_after_exposed(make_client):
    client = make_client(cors_origins=APP)
    ok = client.get("/api/v1/credits", headers=auth() | {"Origin": APP})
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == APP
    missing = client.get("/api/v1/credits", headers={"Origin": APP})
    assert is_error(missing, "api_key_missing", 401)
    assert missing.headers["Access-Control-Allow-Origin"] == APP
    exposed = {h.strip() for h in missing.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Retry-After", "Allow"} <= exposed


def test_fault_answers_carry_the_cors_headers_too(make_client):
    client = make_client(cors_origins=APP)
    client.post("/_mock/faults", json={"action": "rate_limited", "retry_after": 2, "count": 1})
    response = client.get("/api/v1/credits", headers=auth() | {"Origin": APP})
    assert is_error(response, "rate_limited", 429)
    assert response.headers["Access-Control-Allow-Origin"] == APP


def test_star_allows_any_origin(make_client):
    client = make_client(cors_origins="*")
    response = client.options("/api/v1/credits", headers=PREFLIGHT | {"Origin": "https://x.test"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("setting", ["", "https://app.example"])
def test_unlisted_origins_get_no_cors_headers_and_the_apis_own_answer(make_client, setting):
    client = make_client(cors_origins=setting)
    preflight = client.options("/api/v1/generations", headers=PREFLIGHT)
    assert is_error(preflight, "validation_failed", 405)
    plain = client.get("/api/v1/models", headers={"Origin": APP})
    for response in (preflight, plain):
        assert not any(h.lower().startswith("access-control-") for h in response.headers)


def test_the_control_plane_never_answers_cross_origin(make_client):
    client = make_client(cors_origins=APP)
    response = client.post("/_mock/reset", headers={"Origin": APP})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options("/_mock/reset", headers=PREFLIGHT)
    assert "Access-Control-Allow-Origin" not in preflight.headers


@pytest.mark.parametrize(
    "bad", ["localhost:5173", "http://x.test/path", "ftp://x.test", "http://u@x.test", "http://"]
)
def test_a_value_that_is_not_an_origin_is_refused_by_name(bad):
    with pytest.raises(ProfileError, match="cors_origins"):
        apply_knobs(Profile(), {"cors_origins": bad})


def test_default_is_empty_and_a_list_is_accepted():
    assert Profile().cors_origins == ""
    profile = apply_knobs(Profile(), {"cors_origins": "http://a.test:1, https://b.test/"})
    assert profile.cors_origins == "http://a.test:1, https://b.test/"
