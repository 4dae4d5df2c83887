"""`MockServer`: a fake in a thread on a free port, or in-process, driven from Python."""

from __future__ import annotations

import httpx
import pytest

from mockserver import AccountSpec, ManualClock, MockServer, Profile, SystemClock
from mockserver.profile import ProfileError


def test_with_block_serves_on_a_free_local_port():
    with MockServer() as mock:
        assert mock.url.startswith("http://127.0.0.1:")
        response = httpx.get(
            f"{mock.url}/api/v1/credits", headers={"Authorization": f"Bearer {mock.api_key}"}
        )
        assert response.json() == {"current_credits": 1000}


def test_url_needs_a_started_server():
    with pytest.raises(RuntimeError):
        _ = MockServer().url


def test_client_without_a_server_is_in_process():
    mock = MockServer()
    client = mock.client()
    assert client.get("/api/v1/credits").json() == {"current_credits": 1000}
    mock.stop()
    assert client.is_closed


def test_transport_plugs_into_any_httpx_client():
    mock = MockServer()
    with httpx.Client(transport=mock.transport(), base_url="http://rivya.test") as client:
        assert client.get("/api/v1/models").status_code == 200


def test_knobs_and_credits_are_keyword_arguments():
    mock = MockServer(credits=5, create_status=201)
    client = mock.client()
    assert mock.credits() == 5
    assert (
        client.post("/api/v1/generations", json={"model": "z-image", "prompt": "x"}).status_code
        == 201
    )
    mock.stop()


def test_unknown_knob_is_refused():
    with pytest.raises(ProfileError):
        MockServer(colour="red")


def test_profile_accounts_give_the_ready_key():
    mock = MockServer(Profile(accounts=(AccountSpec("rvya_sk_configured_1", credits=9),)))
    assert mock.api_key == "rvya_sk_configured_1" and mock.credits() == 9


def test_reset_applies_per_test_settings_then_forgets_them():
    mock = MockServer(seed=3)
    mock.reset(credits=0, progression="polls", chaos=0.5)
    state = mock.state()
    assert mock.credits() == 0 and state["progression"] == "polls" and state["chaos"] == 0.5
    mock.reset()
    state = mock.state()
    assert mock.credits() == 1000 and state["progression"] == "time" and state["chaos"] == 0.0


def test_reset_can_switch_to_a_manual_clock_until_the_next_reset():
    mock = MockServer()
    mock.reset(clock="manual")
    before = mock.now()
    mock.advance(2.5)
    assert mock.now() == before + 2.5
    mock.reset()
    assert isinstance(mock.backend.clock, SystemClock)


def test_a_429_storm_and_a_failed_task_in_a_few_lines():
    with MockServer(clock=ManualClock(), rate_limit_per_minute=0) as mock:
        mock.rate_limit(count=3, retry_after=2, path="/api/v1/generations")
        mock.fail_next(message="out of GPUs")
        client = mock.client()
        statuses = [
            client.post("/api/v1/generations", json={"model": "z-image", "prompt": "x"})
            for _ in range(4)
        ]
        assert [r.status_code for r in statuses] == [429, 429, 429, 202]
        task_id = statuses[-1].json()["id"]
        mock.advance(4)
        task = client.get(f"/api/v1/generations/{task_id}").json()
        assert task["status"] == "failed" and task["error"]["message"] == "out of GPUs"
        assert [e["status"] for e in mock.requests(path="/api/v1/generations")] == [
            429,
            429,
            429,
            202,
            200,
        ]
