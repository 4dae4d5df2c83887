"""The hot path (creates and polls straight to their operation) answers exactly as the full stack.

Two fakes with the same seed and clock get the same requests, one with the hot path and one with
it switched off; every answer (status, headers, body) and every journal entry must be the same.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from support import KEY, OTHER_KEY, auth

from mockserver import ManualClock, Profile, create_app, in_process_client
from mockserver.hot_path import HotPath
from mockserver.server import ServerThread

BODY = {"model": "gpt-image-2", "prompt": "a lighthouse"}


def _pair(served: list[ServerThread] | None = None, **knobs: Any):
    """(hot, full) clients of two identical fakes; `taken` lists the hot path's picks. With a
    `served` list, each fake runs under uvicorn on 127.0.0.1 (its thread appended to the list)
    and the client talks to it over a real socket."""
    knobs.setdefault("rate_limit_per_minute", 0)
    if served is not None:
        knobs.setdefault("public_base_url", "http://fake.test")  # the same URLs on both ports
    clients, taken = [], []
    for hot in (True, False):
        clock = ManualClock(start=1_778_457_600.0)
        app = create_app(Profile().replace(**knobs), seed=7, clock=clock)
        lane = app.hot_path.lane
        if hot:

            def spy(scope: dict[str, Any], lane: Callable = lane) -> Any:
                picked = lane(scope)
                if picked is not None:
                    taken.append(f"{scope['method']} {scope['path']}")
                return picked

            app.hot_path.lane = spy  # type: ignore[method-assign]
        else:
            app.hot_path.lane = lambda scope: None  # type: ignore[method-assign]
        if served is None:
            client = in_process_client(app)
        else:
            served.append(ServerThread(app).start())
            client = httpx.Client(base_url=served[-1].url, timeout=30)
        client.app = app  # type: ignore[attr-defined]
        clients.append(client)
    return clients[0], clients[1], taken


def _requests(task_id: str) -> list[tuple[str, str, dict[str, str], bytes | None]]:
    json_type = {"Content-Type": "application/json"}
    body = json.dumps(BODY).encode()
    return [
        ("POST", "/api/v1/generations", auth() | json_type, body),
        ("POST", "/api/v1/generations", auth() | json_type | {"Idempotency-Key": "k1"}, body),
        ("POST", "/api/v1/generations", auth() | json_type | {"Idempotency-Key": "k1"}, body),
        (
            "POST",
            "/api/v1/generations",
            auth() | json_type | {"Idempotency-Key": "k1"},
            json.dumps(BODY | {"prompt": "other"}).encode(),
        ),
        ("POST", "/api/v1/generations", auth() | json_type | {"Idempotency-Key": "a b"}, body),
        ("POST", "/api/v1/generations", auth() | json_type, b'{"model": "gpt-image-2",'),
        ("POST", "/api/v1/generations", auth() | json_type, b'{"model":1,"model":2}'),
        ("POST", "/api/v1/generations", auth() | {"Content-Type": "text/plain"}, body),
        ("POST", "/api/v1/generations", auth() | json_type, b"x" * 1_000_001),
        ("POST", "/api/v1/generations", json_type, body),
        ("POST", "/api/v1/generations", {"Authorization": "Bearer nope"} | json_type, body),
        ("POST", "/api/v1/generations/", auth() | json_type, body),
        ("GET", "/api/v1/generations", auth(), None),
        ("GET", f"/api/v1/generations/{task_id}", auth(), None),
        ("GET", f"/api/v1/generations/{task_id}", auth(OTHER_KEY), None),
        ("GET", f"/api/v1/generations/{task_id}/x", auth(), None),
        ("GET", "/api/v1/generations/task_unknown", auth(), None),
        ("GET", f"/api/v1/generations/{task_id}", {}, None),
        ("HEAD", f"/api/v1/generations/{task_id}", auth(), None),
        ("DELETE", f"/api/v1/generations/{task_id}", auth(), None),
        ("GET", f"/api/v1/generations/{task_id}?x=1", auth(), None),
    ]


def _headers(response: httpx.Response) -> list[tuple[str, str]]:
    return [(k, v) for k, v in response.headers.multi_items() if k != "date"]  # served: a clock


def _without_durations(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k != "duration_ms"} for e in entries]


def _same_everywhere(hot: httpx.Client, full: httpx.Client, task_id: str) -> None:
    for method, path, headers, content in _requests(task_id):
        a = hot.request(method, path, headers=headers, content=content)
        b = full.request(method, path, headers=headers, content=content)
        where = f"{method} {path}"
        assert (a.status_code, a.content) == (b.status_code, b.content), where
        assert _headers(a) == _headers(b), where
    for client in (hot, full):
        assert client.post("/_mock/clock/advance", json={"seconds": 60}).is_success
    a = hot.get(f"/api/v1/generations/{task_id}", headers=auth())
    b = full.get(f"/api/v1/generations/{task_id}", headers=auth())
    assert (a.status_code, a.content) == (b.status_code, b.content)
    journals = [c.get("/_mock/requests").json() for c in (hot, full)]
    assert _without_durations(journals[0]) == _without_durations(journals[1])


def _first_task(hot: httpx.Client, full: httpx.Client) -> str:
    made = [c.post("/api/v1/generations", json=BODY, headers=auth()) for c in (hot, full)]
    assert made[0].content == made[1].content
    return made[0].json()["id"]


def test_creates_and_polls_answer_as_the_full_stack_does():
    hot, full, taken = _pair()
    _same_everywhere(hot, full, _first_task(hot, full))
    # the hot path did take the creates and the polls (and nothing else)
    assert "POST /api/v1/generations" in taken
    assert any(t.startswith("GET /api/v1/generations/task_") for t in taken)
    assert all(
        t.startswith(("POST /api/v1/generations", "GET /api/v1/generations/")) for t in taken
    )
    assert not any(t.endswith("/x") or t == "POST /api/v1/generations/" for t in taken)


def test_over_a_real_socket_creates_and_polls_answer_as_the_full_stack_does():
    """The same comparison with uvicorn in front: bodies arrive through its receive, answers go
    out through its send, and a too-large body is refused before it is read."""
    threads: list[ServerThread] = []
    hot, full, taken = _pair(served=threads)
    try:
        _same_everywhere(hot, full, _first_task(hot, full))
        assert "POST /api/v1/generations" in taken
        assert any(t.startswith("GET /api/v1/generations/task_") for t in taken)
    finally:
        hot.close()
        full.close()
        for thread in threads:
            thread.stop()


def test_with_a_fault_rule_or_chaos_every_request_takes_the_full_stack():
    hot, full, taken = _pair()
    task_id = _first_task(hot, full)
    taken.clear()
    for client in (hot, full):  # a rule that matches every request and changes nothing
        assert client.post("/_mock/faults", json={"action": "latency", "latency_ms": 0}).is_success
    _same_everywhere(hot, full, task_id)
    assert taken == []
    assert hot.delete("/_mock/faults").is_success
    assert hot.get(f"/api/v1/generations/{task_id}", headers=auth()).is_success
    assert taken == [f"GET /api/v1/generations/{task_id}"]
    assert hot.post("/_mock/chaos", json={"level": 0.5}).is_success
    poll = {"type": "http", "method": "GET", "path": f"/api/v1/generations/{task_id}"}
    assert hot.app.hot_path.lane(poll | {"headers": []}) is None  # type: ignore[attr-defined]


def test_a_cors_request_from_a_listed_origin_takes_the_full_stack():
    hot, full, taken = _pair(cors_origins="https://app.example")
    task_id = _first_task(hot, full)
    taken.clear()
    origin = {"Origin": "https://app.example"}
    a = hot.get(f"/api/v1/generations/{task_id}", headers=auth() | origin)
    b = full.get(f"/api/v1/generations/{task_id}", headers=auth() | origin)
    assert a.headers["access-control-allow-origin"] == "https://app.example"
    assert (a.content, a.headers.multi_items()) == (b.content, b.headers.multi_items())
    assert taken == []
    assert hot.get(f"/api/v1/generations/{task_id}", headers=auth()).is_success
    assert taken == [f"GET /api/v1/generations/{task_id}"]


def test_only_plain_creates_and_polls_are_picked():
    app = create_app(Profile(), seed=1)
    path: HotPath = app.hot_path

    def scope(method: str, where: str, **extra: Any) -> dict[str, Any]:
        return {"type": "http", "method": method, "path": where, "headers": []} | extra

    assert path.lane(scope("POST", "/api/v1/generations")) is path.create
    polled = scope("GET", "/api/v1/generations/task_abc")
    assert path.lane(polled) is path.poll
    assert polled["path_params"] == {"task_id": "task_abc"}
    for method, where in [
        ("GET", "/api/v1/generations/"),
        ("GET", "/api/v1/generations/a/b"),
        ("HEAD", "/api/v1/generations/task_abc"),
        ("PUT", "/api/v1/generations"),
        ("POST", "/api/v1/generations/"),
        ("GET", "/api/v1/models"),
        ("GET", "/_mock/state"),
    ]:
        assert path.lane(scope(method, where)) is None, (method, where)
    assert path.lane(scope("POST", "/api/v1/generations", root_path="/behind")) is None
    assert path.lane({"type": "websocket", "path": "/api/v1/generations"}) is None


def _create_scope(content_length: int) -> dict[str, Any]:
    """What uvicorn hands the app for a create with this Content-Length."""
    return {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/generations",
        "raw_path": b"/api/v1/generations",
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"authorization", f"Bearer {KEY}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(content_length).encode()),
        ],
    }


def test_a_bug_in_a_hot_operation_is_the_envelope_500_and_reaches_the_server():
    app = create_app(Profile(), seed=1, clock=ManualClock(start=1_778_457_600.0))

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    app.state.backend.create_generation = broken
    sent: list[dict[str, Any]] = []
    body = json.dumps(BODY).encode()
    scope = _create_scope(len(body))
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    assert app.hot_path.lane(dict(scope)) is not None
    with pytest.raises(RuntimeError, match="a bug"):  # uvicorn logs it with its traceback
        asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 500
    assert json.loads(sent[1]["body"])["error"]["code"] == "internal_error"
    (entry,) = app.state.control.requests()
    assert (entry["status"], entry["error_code"]) == (500, "internal_error")


def test_a_client_gone_mid_body_is_journalled_as_client_disconnected(client):
    disconnect: list[dict[str, Any]] = [{"type": "http.disconnect"}]

    async def receive() -> dict[str, Any]:
        return disconnect[0]

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = _create_scope(100)
    asyncio.run(client.app(scope, receive, send))
    (entry,) = client.app.state.control.requests()
    assert (entry["status"], entry["error_code"]) == (499, "client_disconnected")
