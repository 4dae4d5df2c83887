"""The request journal: what each public request was, how it ended, and which rule rejected it."""

from __future__ import annotations

import asyncio
import gc
import weakref

from support import KEY, auth, create

from mockserver import Profile, create_app
from mockserver.journal import Journal, Record, body_summary


def journal(client, **filters) -> list[dict]:
    return client.get("/_mock/requests", params=filters).json()


def test_journal_records_method_path_status_account_and_time(client):
    create(client)
    [entry] = journal(client)
    assert entry["method"] == "POST" and entry["path"] == "/api/v1/generations"
    assert entry["status"] == 202 and entry["error_code"] is None and entry["rule"] is None
    assert entry["time"] == "2026-05-11T00:00:00.000Z"
    owner = client.get("/_mock/state").json()["accounts"][0]["id"]
    assert entry["account"] == owner


def test_journal_summarises_a_json_body(client):
    create(client, {"model": "z-image", "prompt": "p" * 500})
    body = journal(client)[0]["body"]
    assert body["content_type"] == "application/json"
    assert body["json"]["model"] == "z-image"
    assert len(body["json"]["prompt"]) < 100


def test_journal_explains_a_validation_rejection(client):
    create(client, {"model": "gpt-image-2", "prompt": "x", "params": {"resolution": "8K"}})
    [entry] = journal(client)
    assert entry["status"] == 400 and entry["error_code"] == "validation_failed"
    assert "params.resolution" in entry["message"]
    assert entry["rule"]


def test_journal_names_the_auth_rule_that_rejected(client):
    client.get("/api/v1/credits")
    [entry] = journal(client)
    assert (entry["error_code"], entry["rule"], entry["account"]) == (
        "api_key_missing",
        "api_key_missing",
        None,
    )


def test_journal_names_the_unknown_route_rule(client):
    client.get("/api/v1/nothing")
    assert journal(client)[0]["rule"] == "unknown_route"


def test_journal_explains_insufficient_credits(make_client):
    client = make_client(starting_credits=1)
    create(client)
    [entry] = journal(client)
    assert entry["error_code"] == "insufficient_credits" and "balance is 1" in entry["message"]


def test_journal_marks_fault_answers(client):
    client.post("/_mock/faults", json={"action": "server_error", "count": 1})
    client.get("/api/v1/models")
    [entry] = journal(client)
    assert entry["status"] == 500 and entry["error_code"] == "internal_error"
    assert entry["fault"] == {"action": "server_error", "source": "fault:1"}


def test_control_requests_are_not_journaled(client):
    client.get("/_mock/state")
    assert journal(client) == []


def test_journal_filters_by_method_path_code_account_and_since(client):
    create(client)
    client.get("/api/v1/credits", headers=auth())
    client.get("/api/v1/credits", headers=auth("nope"))
    assert [e["method"] for e in journal(client, method="post")] == ["POST"]
    assert len(journal(client, path="/credits")) == 2
    assert len(journal(client, account=KEY)) == 2
    assert [e["seq"] for e in journal(client, since=1)] == [2, 3]
    assert [e["seq"] for e in journal(client, limit=1)] == [3]
    assert [e["seq"] for e in journal(client, error_code="api_key_invalid")] == [3]


def test_journal_can_be_cleared(client):
    create(client)
    client.delete("/_mock/requests")
    assert journal(client) == []


def test_journal_is_a_bounded_ring_buffer():
    ring = Journal(capacity=3)
    for n in range(5):
        ring.record(Record(method="GET", path=f"/{n}", status=200))
    assert [e["path"] for e in ring.entries()] == ["/2", "/3", "/4"]
    assert [e["seq"] for e in ring.entries()] == [3, 4, 5]


def test_body_summary_of_an_upload_has_no_content():
    summary = body_summary("multipart/form-data; boundary=x", 10_000, b"--x\r\n")
    assert summary == {"bytes": 10_000, "content_type": "multipart/form-data; boundary=x"}


def test_journal_gives_the_declared_size_of_a_body_a_fault_refused(client):
    client.post("/_mock/faults", json={"action": "rate_limited", "count": 1})
    create(client)
    body = journal(client)[0]["body"]
    assert body["bytes"] > 0 and "json" not in body


# -- what the journal keeps: plain data only (spec §15) ------------------------------------------

SECRET_KEY = "rvya_sk_journal_secret_0042"
JSON_TYPE = {"Content-Type": "application/json"}
MALFORMED_JSON = [
    b'{"model": "gpt-image-2", "prompt": ',
    b'{"model": "gpt-image-2", "prompt": "\xff\xfe"}',
    b'{"model": "gpt-image-2", "prompt": "\\ud800"}',
    b'{"model": "gpt-image-2", "prompt": "x", "params": {"resolution": NaN}}',
    b'{"model": "gpt-image-2", "prompt": "a", "prompt": "b"}',
    b"[" * 100 + b"]" * 100,
    b'{"model": "gpt-image-2", "prompt": "x", "n": ' + b"7" * 5001 + b"}",
]
BAD_FORM = (
    b'--b\r\nContent-Disposition: form-data; name="kind"\r\n\r\n\xff\xfe\r\n'
    b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
    b"Content-Type: image/png\r\n\r\nxx\r\n--b--\r\n"
)


class Receive:
    """An ASGI receive callable that can be weakly referenced: alive as long as the request is."""

    def __init__(self, body: bytes) -> None:
        self.messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def __call__(self) -> dict:
        return self.messages.pop() if self.messages else {"type": "http.disconnect"}


async def send_raw(app, path: str, body: bytes, content_type: str) -> tuple[weakref.ref, int]:
    """POST `body` straight into the ASGI app; a weak reference to its receive, and the status."""
    headers = [
        (b"authorization", f"Bearer {SECRET_KEY}".encode()),
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"host", b"rivya.test"),
    ]
    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode()}
    scope |= {"query_string": b"", "headers": headers, "scheme": "http", "http_version": "1.1"}
    scope |= {"server": ("rivya.test", 80), "client": ("127.0.0.1", 1), "root_path": ""}
    receive, sent = Receive(body), []

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return weakref.ref(receive), sent[0]["status"]


def plain(value) -> bool:
    if isinstance(value, tuple):
        return all(plain(item) for item in value)
    return value is None or type(value) in (str, bytes, int, float)


def test_malformed_bodies_leave_nothing_of_their_request_behind(clock):
    app = create_app(Profile(), seed=7, clock=clock)

    async def scenario() -> list[tuple[weakref.ref, int]]:
        sent = [
            await send_raw(app, "/api/v1/generations", b, "application/json")
            for b in MALFORMED_JSON
        ]
        sent.append(
            await send_raw(app, "/api/v1/files", BAD_FORM, "multipart/form-data; boundary=b")
        )
        return sent

    gc.collect()
    gc.disable()  # what reference counting alone frees needs no collector (nor escapes gc.freeze)
    try:
        results = asyncio.run(scenario())
        assert [status for _, status in results] == [400] * len(results)
        assert [ref() for ref, _ in results] == [None] * len(results)
    finally:
        gc.enable()
    records = app.state.control.journal.records()
    assert len(records) == len(results)
    for record in records:
        assert all(plain(getattr(record, name)) for name in record.__slots__), record


def test_the_journal_never_keeps_the_authorization_value(client):
    client.post("/_mock/faults", json={"action": "rate_limited", "count": 1})
    create(client, key=SECRET_KEY)  # answered by the fault
    create(client, key=SECRET_KEY)  # a real create
    client.get("/api/v1/credits", headers={"Authorization": f"Bearer {SECRET_KEY}!"})  # invalid
    client.get("/api/v1/models", headers=auth(SECRET_KEY))
    records = client.app.state.control.journal.records()
    assert len(records) == 4
    for record in records:
        for name in record.__slots__:
            assert SECRET_KEY not in repr(getattr(record, name))
    assert SECRET_KEY not in client.get("/_mock/requests").text
    account = client.app.state.control.account_id(SECRET_KEY)
    # the fault answered before the key was first used (and provisioned): no account yet
    assert [e["account"] for e in journal(client)] == [None, account, None, account]


def test_the_journal_caps_what_it_keeps_of_each_request(client):
    client.get("/api/v1/" + "p" * 50_000, params={"q": "v" * 50_000})
    [record] = client.app.state.control.journal.records()
    assert len(record.path) < 2100 and len(record.query) < 2100
    assert len(record.error[1]) < 2100  # the message names the path


def test_journal_listeners_receive_each_record_as_plain_data(client):
    seen = []
    client.app.state.control.journal.listeners.append(seen.append)
    create(client)
    [record] = seen
    assert record.entry()["status"] == 202 and record.entry()["seq"] == 1
    assert all(plain(getattr(record, name)) for name in record.__slots__)


def test_a_failing_listener_never_fails_the_request(client, caplog):
    def broken(record):
        raise RuntimeError("listener bug")

    client.app.state.control.journal.listeners.append(broken)
    assert create(client).status_code == 202
    assert [e["status"] for e in journal(client)] == [202]
    assert "journal listener failed" in caplog.text


def test_a_deeply_nested_body_is_summarised_without_recursing(client):
    deep = b"[" * 900 + b"]" * 900  # small enough to be summarised, deep enough to recurse
    client.post("/api/v1/generations", content=deep, headers=auth() | JSON_TYPE)
    response = client.get("/_mock/requests")
    assert response.status_code == 200
    assert response.json()[0]["body"]["json"] == [[["[…]"]]]


def test_kept_records_are_plain_data_the_collector_stops_watching(client):
    """Each kept record is a tuple of plain values, so after one collector pass none of the last
    1,000 requests is walked again by every later pass (spec §15: no lasting request objects)."""
    create(client, **{"Idempotency-Key": "k"})
    client.post("/_mock/faults", json={"action": "rate_limited", "count": 1})
    create(client)  # answered by a fault: its record has a fault tuple
    client.get("/api/v1/generations/task_nope", headers=auth())  # an error tuple
    gc.collect()
    kept = list(client.app.state.control.journal._records)
    assert len(kept) == 3
    assert [fields for fields in kept if gc.is_tracked(fields)] == []
