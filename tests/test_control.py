"""Every control operation, run twice: over the `/_mock` HTTP API and through `MockServer`'s methods."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from support import auth, is_error

from mockserver import ManualClock, MockServer

SAMPLE_PNG = Path(__file__).parent.parent / "fixtures" / "media" / "sample.png"


class HttpControl:
    """The `MockServer` control methods, spoken over `/_mock` (only what these tests use)."""

    def __init__(self, mock: MockServer, http: httpx.Client) -> None:
        self.api_key, self.http = mock.api_key, http

    def _call(self, method: str, path: str, body: dict | None = None, **params: Any) -> Any:
        response = self.http.request(method, "/_mock" + path, json=body, params=params)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def reset(self, account=None):
        return self._call("POST", "/reset", {"account": account} if account else None)

    def state(self):
        return self._call("GET", "/state")

    def create_account(self, credits=None, key=None, scopes=None):
        body = {"credits": credits, "key": key, "scopes": scopes}
        return self._call("POST", "/accounts", {k: v for k, v in body.items() if v is not None})

    def add_key(self, account, key=None, scopes=None):
        body = {k: v for k, v in {"key": key, "scopes": scopes}.items() if v is not None}
        return self._call("POST", f"/accounts/{account}/keys", body)

    def revoke_key(self, key=None):
        return self._call("PATCH", f"/keys/{key or self.api_key}", {"revoked": True})

    def expire_key(self, key=None):
        return self._call("PATCH", f"/keys/{key or self.api_key}", {"expired": True})

    def set_balance(self, credits, account=None):
        return self._call(
            "PUT", f"/accounts/{account or self.api_key}/credits", {"credits": credits}
        )

    def advance(self, seconds):
        return self._call("POST", "/clock/advance", {"seconds": seconds})

    def set_progression(self, mode, *, polls_per_state=None, task=None):
        body = {"mode": mode} | ({"polls_per_state": polls_per_state} if polls_per_state else {})
        return self._call("POST", f"/tasks/{task}/progression" if task else "/progression", body)

    def fail_next(self, count=1, **fields):
        return self._call("POST", "/outcomes", {"outcome": "failed", "count": count, **fields})

    def succeed_next(self, count=1, **fields):
        return self._call("POST", "/outcomes", {"outcome": "succeeded", "count": count, **fields})

    def fail_task(self, task_id, message=None):
        body = {"outcome": "failed"} | ({"message": message} if message else {})
        return self._call("POST", f"/tasks/{task_id}/outcome", body)

    def succeed_task(self, task_id):
        return self._call("POST", f"/tasks/{task_id}/outcome", {"outcome": "succeeded"})

    def complete(self, task_id, outcome=None, message=None):
        body = {k: v for k, v in {"outcome": outcome, "message": message}.items() if v}
        return self._call("POST", f"/tasks/{task_id}/complete", body)

    def disable_public_api(self):
        return self._call("POST", "/public-api", {"enabled": False})

    def enable_public_api(self):
        return self._call("POST", "/public-api", {"enabled": True})

    def requests(self, **filters):
        return self._call("GET", "/requests", **filters)

    def add_fault(self, action, *, method=None, path=None, model=None, **fields):
        match = {k: v for k, v in {"method": method, "path": path, "model": model}.items() if v}
        return self._call("POST", "/faults", {"action": action, "match": match, **fields})

    def clear_faults(self):
        return self._call("DELETE", "/faults")

    def set_chaos(self, level):
        return self._call("POST", "/chaos", {"level": level})


@pytest.fixture
def mock(clock):
    server = MockServer(seed=7, clock=clock, rate_limit_per_minute=0)
    yield server
    server.stop()


@pytest.fixture
def api(mock) -> httpx.Client:
    """The public API, in-process, as the ready account."""
    return mock.client()


@pytest.fixture(params=["http", "python"])
def control(request, mock):
    return HttpControl(mock, mock.client()) if request.param == "http" else mock


def create(
    api: httpx.Client,
    prompt: str = "a lighthouse",
    model: str = "gpt-image-2",
    key: str | None = None,
) -> dict:
    headers = auth(key) if key else {}
    response = api.post(
        "/api/v1/generations", json={"model": model, "prompt": prompt}, headers=headers
    )
    assert response.status_code == 202, response.text
    return response.json()


def poll(api: httpx.Client, task_id: str) -> dict:
    return api.get(f"/api/v1/generations/{task_id}").json()


def credits(api: httpx.Client, key: str | None = None) -> int:
    return api.get("/api/v1/credits", headers=auth(key) if key else {}).json()["current_credits"]


# -- reset and state ---------------------------------------------------------------------------


def test_reset_forgets_tasks_balances_and_faults(control, api):
    create(api)
    control.set_balance(5)
    control.add_fault("server_error", path="/api/v1/models")
    control.reset()
    state = control.state()
    assert state["tasks"] == [] and state["faults"] == []
    assert credits(api) == 1000
    assert api.get("/api/v1/models").status_code == 200


def test_reset_gives_the_same_ids_again(control, api):
    first = create(api)["id"]
    control.reset()
    assert create(api)["id"] == first


def test_reset_of_one_account_leaves_the_others_alone(control, api):
    other = control.create_account(credits=50, key="rvya_sk_other_account")
    create(api)
    create(api, key="rvya_sk_other_account")
    control.reset(other["id"])
    state = control.state()
    assert [t["account"] for t in state["tasks"]] == [control.state()["accounts"][0]["id"]]
    assert credits(api, "rvya_sk_other_account") == 50
    assert credits(api) == 997


def test_state_shows_accounts_balances_tasks_and_files(control, api):
    task = create(api)
    upload = api.post(
        "/api/v1/files",
        data={"kind": "image"},
        files={"file": ("pic.png", SAMPLE_PNG.read_bytes(), "image/png")},
    )
    state = control.state()
    account = state["accounts"][0]
    assert account["credits"] == 997 and account["keys"][0]["key"] == control.api_key
    assert [t["id"] for t in state["tasks"]] == [task["id"]]
    assert state["tasks"][0]["status"] == "queued" and state["tasks"][0]["prompt"] == "a lighthouse"
    assert [f["id"] for f in state["files"]] == [upload.json()["id"]]


# -- accounts and keys -------------------------------------------------------------------------


def test_created_account_has_its_credits_and_key(control, api):
    account = control.create_account(credits=12, key="rvya_sk_created_here")
    assert account["credits"] == 12 and account["keys"][0]["key"] == "rvya_sk_created_here"
    assert credits(api, "rvya_sk_created_here") == 12


def test_created_account_gets_a_generated_key_when_none_is_given(control, api):
    key = control.create_account(credits=3)["keys"][0]["key"]
    assert key.startswith("rvya_sk_mock_") and credits(api, key) == 3


def test_added_key_has_only_the_chosen_scopes(control, api):
    key = control.add_key(control.api_key, scopes=["credits:read"])["key"]
    assert credits(api, key) == 1000
    response = api.post(
        "/api/v1/generations", json={"model": "z-image", "prompt": "x"}, headers=auth(key)
    )
    assert is_error(response, "api_scope_denied", 403)


def test_revoked_key_is_refused(control, api):
    control.revoke_key()
    assert is_error(api.get("/api/v1/credits"), "api_key_revoked", 401)


def test_expired_key_is_refused(control, api):
    control.expire_key()
    assert is_error(api.get("/api/v1/credits"), "api_key_expired", 401)


def test_set_balance_changes_the_credits(control, api):
    assert control.set_balance(2)["credits"] == 2
    assert credits(api) == 2
    response = api.post("/api/v1/generations", json={"model": "gpt-image-2", "prompt": "x"})
    assert is_error(response, "insufficient_credits", 402)


# -- clock and progression ---------------------------------------------------------------------


def test_advancing_the_clock_moves_tasks(control, api):
    task = create(api)
    control.advance(4)
    assert poll(api, task["id"])["status"] == "succeeded"


def test_polls_progression_moves_one_state_every_n_polls(control, api):
    control.set_progression("polls", polls_per_state=2)
    task_id = create(api)["id"]
    statuses = [poll(api, task_id)["status"] for _ in range(5)]
    assert statuses == ["queued", "processing", "processing", "succeeded", "succeeded"]


def test_manual_progression_of_one_task_holds_it_until_completed(control, api):
    held, free = create(api)["id"], create(api)["id"]
    control.set_progression("manual", task=held)
    control.advance(100)
    assert poll(api, held)["status"] == "queued"
    assert poll(api, free)["status"] == "succeeded"
    control.complete(held)
    assert poll(api, held)["status"] == "succeeded"


def test_global_manual_progression_applies_to_new_tasks(control, api):
    control.set_progression("manual")
    task_id = create(api)["id"]
    control.advance(100)
    assert poll(api, task_id)["status"] == "queued"


# -- outcomes ----------------------------------------------------------------------------------


def test_next_tasks_fail_with_the_chosen_message(control, api):
    control.fail_next(2, message="GPU on fire")
    ids = [create(api)["id"] for _ in range(3)]
    control.advance(4)
    tasks = [poll(api, task_id) for task_id in ids]
    assert [t["status"] for t in tasks] == ["failed", "failed", "succeeded"]
    assert tasks[0]["error"] == {"code": "generation_failed", "message": "GPU on fire"}
    assert credits(api) == 1000 - 3


def test_forced_failures_match_model_and_prompt(control, api):
    control.fail_next(5, model="z-image", prompt_contains="storm")
    ids = [
        create(api, "calm sea", "z-image")["id"],
        create(api, "a storm", "gpt-image-2")["id"],
        create(api, "a storm", "z-image")["id"],
    ]
    control.advance(4)
    assert [poll(api, task_id)["status"] for task_id in ids] == ["succeeded", "succeeded", "failed"]


def test_next_tasks_can_be_forced_to_succeed(control, mock, api):
    mock.reset(failure_rate=1.0)
    control.succeed_next()
    ids = [create(api)["id"], create(api)["id"]]
    control.advance(4)
    assert [poll(api, task_id)["status"] for task_id in ids] == ["succeeded", "failed"]


def test_a_given_task_can_be_made_to_fail(control, api):
    task_id = create(api)["id"]
    control.fail_task(task_id, "no luck")
    assert credits(api) == 997
    control.advance(4)
    task = poll(api, task_id)
    assert task["status"] == "failed" and task["error"]["message"] == "no luck"
    assert credits(api) == 1000


def test_a_given_task_can_be_made_to_succeed(control, mock, api):
    mock.reset(failure_rate=1.0)
    task_id = create(api)["id"]
    control.succeed_task(task_id)
    control.advance(4)
    assert poll(api, task_id)["status"] == "succeeded"


def test_completing_a_task_as_failed_refunds_it_now(control, api):
    task_id = create(api)["id"]
    done = control.complete(task_id, "failed", "stopped")
    assert done["status"] == "failed"
    assert credits(api) == 1000
    assert poll(api, task_id)["error"]["message"] == "stopped"


# -- the public switch -------------------------------------------------------------------------


def test_public_api_can_be_switched_off_and_on(control, api):
    control.disable_public_api()
    assert is_error(api.get("/api/v1/models"), "public_api_disabled", 503)
    assert control.state()["public_api_enabled"] is False
    control.enable_public_api()
    assert api.get("/api/v1/models").status_code == 200


# -- journal and faults ------------------------------------------------------------------------


def test_requests_are_journaled_with_filters(control, api):
    create(api)
    api.get("/api/v1/credits", headers=auth("nope"))
    assert [e["path"] for e in control.requests()] == ["/api/v1/generations", "/api/v1/credits"]
    rejected = control.requests(status=401)
    assert [(e["error_code"], e["rule"]) for e in rejected] == [
        ("api_key_invalid", "api_key_invalid")
    ]


def test_fault_rule_answers_429_with_its_retry_after(control, api):
    control.add_fault("rate_limited", path="/api/v1/credits", count=2, retry_after=7)
    statuses = [api.get("/api/v1/credits") for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert is_error(statuses[0], "rate_limited", 429)
    assert statuses[0].headers["retry-after"] == "7"
    assert control.requests(error_code="rate_limited")[0]["rule"].startswith("fault:")


def test_cleared_faults_stop_firing(control, api):
    control.add_fault("server_error")
    control.clear_faults()
    assert api.get("/api/v1/models").status_code == 200


def test_chaos_one_faults_every_api_request(control, api):
    control.set_chaos(1.0)
    results = []
    for _ in range(10):
        try:
            results.append(api.get("/api/v1/models").status_code)
        except httpx.RemoteProtocolError:
            results.append("dropped")
    assert 200 not in results
    assert control.state()["chaos"] == 1.0


@pytest.mark.parametrize("clock", ["manual", "real"])
def test_clock_refuses_to_pass_the_last_expressible_time(clock):
    from mockserver import create_app, in_process_client

    app = create_app(seed=1, clock=ManualClock() if clock == "manual" else None)
    client = in_process_client(app)
    for _ in range(7999):
        response = client.post("/_mock/clock/advance", json={"seconds": 999_999_999})
        if response.status_code != 200:
            break
    assert response.status_code == 400
    assert "9999-12-31" in response.json()["error"]["message"]
    created = client.post(
        "/api/v1/generations",
        json={"model": "z-image", "prompt": "x"},
        headers={"Authorization": "Bearer rvya_sk_far_future_1"},
    )
    assert created.status_code == 202
    assert created.json()["created_at"].startswith("99")
    client.close()
