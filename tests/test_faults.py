"""Fault rules and chaos: matching, counting, reproducible draws, and each action as a client sees it."""

from __future__ import annotations

import httpx
import pytest
from support import auth, create, is_error

from mockserver import MockServer, Profile, create_app, in_process_client
from mockserver.faults import parse_rule
from mockserver.server import ServerThread


def add_fault(client, **rule) -> dict:
    response = client.post("/_mock/faults", json=rule)
    assert response.status_code == 201, response.text
    return response.json()


def outcome(client: httpx.Client, path: str = "/api/v1/models") -> int | str:
    try:
        return client.get(path, headers=auth()).status_code
    except httpx.RemoteProtocolError:
        return "dropped"


def fault_sequence(seed: int, n: int = 40) -> list[int | str]:
    client = in_process_client(create_app(Profile(rate_limit_per_minute=0), seed=seed))
    add_fault(client, action="server_error", probability=0.3)
    client.post("/_mock/chaos", json={"level": 0.3})
    sequence = [outcome(client) for _ in range(n)]
    client.close()
    return sequence


def test_same_seed_gives_the_same_fault_sequence():
    assert fault_sequence(11) == fault_sequence(11)


def test_another_seed_gives_another_fault_sequence():
    assert fault_sequence(11) != fault_sequence(12)


def test_reset_replays_the_fault_sequence():
    with MockServer(seed=5, rate_limit_per_minute=0) as mock:
        client = mock.client(in_process=True)
        mock.set_chaos(0.5)
        first = [outcome(client) for _ in range(20)]
        mock.reset(chaos=0.5)
        assert [outcome(client) for _ in range(20)] == first


def test_rule_matches_method_and_path_glob(client):
    add_fault(client, action="server_error", match={"method": "get", "path": "/api/v1/gen*"})
    task_id = create(client).json()["id"]
    assert outcome(client, "/api/v1/credits") == 200
    assert outcome(client, f"/api/v1/generations/{task_id}") == 500


def test_rule_matches_the_model_and_lets_other_bodies_through(client):
    add_fault(client, action="rate_limited", match={"model": "z-image"})
    assert create(client, {"model": "gpt-image-2", "prompt": "x"}).status_code == 202
    assert is_error(create(client, {"model": "z-image", "prompt": "x"}), "rate_limited", 429)


def test_skip_and_count_pick_exactly_which_requests_fail(client):
    add_fault(client, action="server_error", skip=2, count=2)
    assert [outcome(client) for _ in range(6)] == [200, 200, 500, 500, 200, 200]


def test_probability_zero_never_fires(client):
    add_fault(client, action="server_error", probability=0.0)
    assert {outcome(client) for _ in range(10)} == {200}


def test_public_api_disabled_fault_answers_503(client):
    add_fault(client, action="public_api_disabled", count=1)
    assert is_error(client.get("/api/v1/models"), "public_api_disabled", 503)


def test_faulted_request_is_not_handled(client):
    add_fault(client, action="server_error", count=1, match={"method": "POST"})
    assert create(client).status_code == 500
    assert client.get("/_mock/state").json()["tasks"] == []


def test_faults_never_touch_the_control_api(client):
    add_fault(client, action="server_error")
    client.post("/_mock/chaos", json={"level": 1.0})
    assert client.get("/_mock/state").status_code == 200


def test_chaos_spares_the_cdn(client, clock):
    task = create(client).json()
    clock.advance(10)
    url = client.get(f"/api/v1/generations/{task['id']}", headers=auth()).json()
    client.post("/_mock/chaos", json={"level": 1.0})
    assert client.get(url["result"]["primary_url"]).status_code == 200


def test_latency_delays_then_answers(make_client):
    client = make_client()
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    client.app.state.control.faults.sleep = fake_sleep
    add_fault(client, action="latency", latency_ms={"min": 100, "max": 200}, count=2)
    assert [outcome(client) for _ in range(3)] == [200, 200, 200]
    assert len(waits) == 2 and all(0.1 <= w <= 0.2 for w in waits)


def test_real_latency_of_a_few_milliseconds(client):
    add_fault(client, action="latency", latency_ms=2, count=1)
    assert outcome(client) == 200


def test_dropped_connection_is_a_protocol_error_in_process(client):
    add_fault(client, action="drop_connection", count=1)
    assert outcome(client) == "dropped"
    assert outcome(client) == 200


def test_dropped_connection_closes_a_real_socket(clock, capfd):
    app = create_app(Profile(rate_limit_per_minute=0), seed=1, clock=clock)
    server = ServerThread(app).start()
    try:
        with httpx.Client(base_url=server.url) as client:
            add_fault(client, action="drop_connection", count=1)
            assert outcome(client) == "dropped"
            assert outcome(client) == 200
            entry = client.get("/_mock/requests").json()[0]
            assert entry["status"] is None and entry["fault"]["action"] == "drop_connection"
    finally:
        server.stop()
    assert "Exception in ASGI application" not in capfd.readouterr().err


@pytest.mark.parametrize(
    "rule",
    [
        {"action": "explode"},
        {"action": "server_error", "probability": 2},
        {"action": "server_error", "count": -1},
        {"action": "server_error", "match": {"colour": "red"}},
        {"action": "latency", "latency_ms": {"min": 10, "max": 5}},
        {"action": "rate_limited", "retry_after": 0},
    ],
)
def test_bad_fault_rule_is_validation_failed(client, rule):
    assert is_error(client.post("/_mock/faults", json=rule), "validation_failed", 400)


def test_rule_json_round_trips_its_settings():
    rule = parse_rule(
        {
            "action": "latency",
            "latency_ms": {"min": 1, "max": 3},
            "match": {"path": "/api/*"},
            "count": 4,
        }
    )
    shown = rule.to_json()
    assert shown["latency_ms"] == {"min": 1.0, "max": 3.0} and shown["count"] == 4
    assert shown["match"] == {"method": None, "path": "/api/*", "model": None}


def test_chaos_level_must_be_a_probability(client):
    assert is_error(client.post("/_mock/chaos", json={"level": 1.5}), "validation_failed", 400)
