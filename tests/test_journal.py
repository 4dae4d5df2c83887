"""The request journal: what each public request was, how it ended, and which rule rejected it."""

from __future__ import annotations

from support import KEY, auth, create

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
