"""The `/_mock` HTTP API as such: always reachable, JSON in the public envelope, apart from the API."""

from __future__ import annotations

import pytest
from support import KEY, auth, create, is_error

from mockserver import Backend, Profile, SystemClock, create_app, in_process_client
from mockserver.cli import build_parser, main


def test_control_routes_need_no_api_key(client):
    assert client.get("/_mock/state").status_code == 200


def test_control_routes_work_while_the_public_api_is_disabled(make_client):
    client = make_client(public_api_enabled=False)
    assert is_error(client.get("/api/v1/models"), "public_api_disabled", 503)
    assert client.post("/_mock/public-api", json={"enabled": True}).status_code == 200
    assert client.get("/api/v1/models").status_code == 200


def test_control_routes_take_no_rate_limit_token(make_client):
    client = make_client(rate_limit_per_minute=60, rate_limit_burst=1)
    assert client.get("/api/v1/credits", headers=auth()).status_code == 200
    assert all(client.get("/_mock/state").status_code == 200 for _ in range(5))
    assert is_error(client.get("/api/v1/credits", headers=auth()), "rate_limited", 429)


def test_clock_advance_answers_the_new_time(client):
    response = client.post("/_mock/clock/advance", json={"seconds": 1.5})
    assert response.status_code == 200
    assert response.json()["now"] == "2026-05-11T00:00:01.500Z"


def test_clock_advance_moves_the_real_clock_too():
    clock = SystemClock()
    client = in_process_client(create_app(Profile(rate_limit_per_minute=0), clock=clock))
    before = clock.now()
    assert client.post("/_mock/clock/advance", json={"seconds": 3600}).status_code == 200
    assert clock.now() - before >= 3600
    client.close()


def test_real_clock_never_goes_backwards():
    clock = SystemClock()
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set(clock.now() - 10)


@pytest.mark.parametrize("body", [{"seconds": -1}, {"seconds": "1"}, {"secs": 1}, [1], None])
def test_bad_control_body_is_validation_failed(client, body):
    response = client.post("/_mock/clock/advance", json=body)
    assert is_error(response, "validation_failed", 400)


def test_malformed_control_json_is_validation_failed(client):
    response = client.post(
        "/_mock/reset", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert is_error(response, "validation_failed", 400)


def test_unknown_task_is_not_found(client):
    assert is_error(client.post("/_mock/tasks/task_missing/complete", json={}), "not_found", 404)


def test_unknown_account_is_not_found(client):
    response = client.put("/_mock/accounts/acct_missing/credits", json={"credits": 1})
    assert is_error(response, "not_found", 404)


def test_unknown_control_route_is_not_found(client):
    assert is_error(client.get("/_mock/nothing-here"), "not_found", 404)


def test_wrong_method_on_a_control_route_is_405_with_allow(client):
    response = client.get("/_mock/reset")
    assert is_error(response, "validation_failed", 405)
    assert response.headers["allow"] == "POST"


def test_control_routes_do_not_redirect_trailing_slashes(client):
    assert is_error(client.get("/_mock/state/"), "not_found", 404)


def test_unknown_journal_filter_is_validation_failed(client):
    assert is_error(client.get("/_mock/requests?colour=red"), "validation_failed", 400)


def test_finished_task_cannot_be_made_to_fail(client, clock):
    task_id = create(client).json()["id"]
    clock.advance(10)
    response = client.post(f"/_mock/tasks/{task_id}/outcome", json={"outcome": "failed"})
    assert is_error(response, "validation_failed", 400)


def test_control_task_view_shows_what_the_public_one_hides(client):
    body = {"model": "z-image", "prompt": "x", "client_request_id": "mine-1"}
    task_id = create(client, body).json()["id"]
    view = client.get(f"/_mock/tasks/{task_id}").json()
    assert view["client_request_id"] == "mine-1" and view["outcome"] == "succeeded"


def test_public_responses_carry_no_control_headers_or_fields(client):
    client.post("/_mock/faults", json={"action": "latency", "latency_ms": 0})
    response = create(client)
    assert set(response.headers) <= {"content-type", "content-length"}
    assert set(response.json()) == {
        "id",
        "status",
        "model",
        "reserved_credits",
        "final_credits",
        "created_at",
        "updated_at",
        "result",
        "error",
    }


def test_forced_outcomes_are_listed_until_used(client):
    client.post("/_mock/outcomes", json={"outcome": "failed", "count": 2})
    create(client)
    assert [f["remaining"] for f in client.get("/_mock/outcomes").json()] == [1]


def test_key_can_be_restored_after_revoking(client):
    create(client)
    client.patch(f"/_mock/keys/{KEY}", json={"revoked": True})
    client.patch(f"/_mock/keys/{KEY}", json={"revoked": False})
    assert client.get("/api/v1/credits", headers=auth()).status_code == 200


def test_cli_takes_a_chaos_level():
    assert build_parser().parse_args(["--chaos", "0.25"]).chaos == 0.25


def test_cli_refuses_a_chaos_level_outside_0_to_1(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--chaos", "1.5", "--port", "0"])
    assert exit_info.value.code == 2
    assert "--chaos" in capsys.readouterr().err


def test_reset_keeps_a_key_made_before_the_control_plane_took_over():
    backend = Backend(Profile(auto_provision_keys=False, rate_limit_per_minute=0))
    key = backend.ready_key()
    client = in_process_client(create_app(backend=backend))
    client.post("/_mock/reset")
    assert client.get("/api/v1/credits", headers=auth(key)).json() == {"current_credits": 1000}
    client.close()
