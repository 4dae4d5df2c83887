"""The control plane for receivers (`/_mock/webhooks` and `MockServer`): what was sent and
answered, redelivery, pause and resume, and seeded misbehaviour."""

import httpx
import pytest
from receiver import Receiver
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from mockserver import MockServer

TYPES = ["generation.succeeded", "generation.failed"]


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def served():
    with MockServer(clock="manual", seed=5) as mock:
        yield mock


def subscribe(client, url):
    body = {"name": "r", "url": url, "event_types": TYPES}
    return client.post("/api/v1/webhooks", json=body).json()


def generate(client, prompt="x"):
    return client.post("/api/v1/generations", json={"model": "z-image", "prompt": prompt}).json()


def control(mock, method, path, **kwargs):
    answer = httpx.request(method, f"{mock.url}/_mock/webhooks{path}", **kwargs)
    assert answer.status_code < 300, answer.text
    return answer.json()


def test_deliveries_show_each_request_and_its_response(served, receiver):
    client = served.client()
    endpoint = subscribe(client, receiver.url)
    task = generate(client)
    served.advance(4)
    [sent] = control(served, "GET", "/deliveries")
    assert set(sent) == {
        "delivery_id",
        "endpoint_id",
        "event_id",
        "event_type",
        "attempt",
        "attempted_at",
        "fault",
        "request",
        "response",
        "error",
        "duration_ms",
    }
    assert sent["endpoint_id"] == endpoint["id"] and sent["attempt"] == 1
    assert sent["request"]["method"] == "POST" and sent["request"]["url"] == receiver.url
    assert sent["request"]["body"] == receiver.received[0].body.decode()
    assert sent["request"]["headers"]["webhook-id"] == sent["event_id"]
    assert sent["response"]["status"] == 200 and sent["response"]["body"] == "ok"
    assert f'"id":"{task["id"]}"' in sent["request"]["body"]
    assert control(served, "GET", f"/deliveries?endpoint={endpoint['id']}&limit=1") == [sent]
    assert control(served, "GET", "/deliveries?endpoint=whend_none") == []


def test_redeliver_sends_the_same_event_again_now(served, receiver):
    client = served.client()
    subscribe(client, receiver.url)
    generate(client)
    served.advance(4)
    [first] = control(served, "GET", "/deliveries")
    again = control(served, "POST", f"/deliveries/{first['delivery_id']}/redeliver")
    assert again["attempt"] == 2 and again["status"] == "succeeded"
    assert [r.headers["webhook-id"] for r in receiver.received] == [first["event_id"]] * 2
    missing = httpx.post(f"{served.url}/_mock/webhooks/deliveries/whdel_x/redeliver")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_redeliver_refuses_a_revoked_endpoint(served, receiver):
    """Spec §14: a revoked endpoint gets no deliveries, redelivery on request included."""
    client = served.client()
    endpoint = subscribe(client, receiver.url)
    generate(client)
    served.advance(4)
    [first] = control(served, "GET", "/deliveries")
    client.delete(f"/api/v1/webhooks/{endpoint['id']}")
    again = httpx.post(f"{served.url}/_mock/webhooks/deliveries/{first['delivery_id']}/redeliver")
    assert again.status_code == 400 and again.json()["error"]["code"] == "validation_failed"
    assert endpoint["id"] in again.json()["error"]["message"]
    assert len(receiver.received) == 1
    assert len(control(served, "GET", "/deliveries")) == 1


def test_pause_holds_attempts_until_resume(served, receiver):
    client = served.client()
    subscribe(client, receiver.url)
    generate(client)
    assert control(served, "POST", "/pause") == {"paused": True}
    served.advance(4)
    assert receiver.received == []
    assert control(served, "POST", "/resume") == {"paused": False}
    served.advance(0)
    assert len(receiver.received) == 1


def test_duplicate_sends_the_same_request_twice(served, receiver):
    client = served.client()
    subscribe(client, receiver.url)
    control(served, "POST", "/faults", json={"action": "duplicate", "count": 1})
    generate(client)
    served.advance(4)
    first, second = receiver.received
    assert (first.headers, first.body) == (second.headers, second.body)


def test_bad_signature_fails_verification_then_the_retry_verifies(served, receiver):
    client = served.client()
    endpoint = subscribe(client, receiver.url)
    served.add_webhook_fault("bad_signature", count=1)
    receiver.statuses = [400]  # what a verifying receiver answers
    generate(client)
    served.advance(4)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint["signing_secret"]).verify(
            receiver.received[0].body, receiver.received[0].headers
        )
    served.advance(5)
    Webhook(endpoint["signing_secret"]).verify(
        receiver.received[1].body, receiver.received[1].headers
    )


def test_receiver_down_sends_nothing_and_counts_a_failure(served, receiver):
    client = served.client()
    endpoint = subscribe(client, receiver.url)
    served.add_webhook_fault("receiver_down", count=1)
    generate(client)
    served.advance(4)
    assert receiver.received == []
    shown = client.get(f"/api/v1/webhooks/{endpoint['id']}").json()
    assert shown["failure_count"] == 1
    assert served.webhook_deliveries()[0]["error"].startswith("connection refused")
    served.advance(5)
    assert len(receiver.received) == 1


def test_delay_postpones_an_attempt_on_the_fake_clock(served, receiver):
    client = served.client()
    subscribe(client, receiver.url)
    served.add_webhook_fault("delay", seconds=10, count=1)
    generate(client)
    served.advance(4)
    served.advance(9.9)
    assert receiver.received == []
    served.advance(0.1)
    assert len(receiver.received) == 1


def test_hold_back_delivers_out_of_order(served, receiver):
    client = served.client()
    subscribe(client, receiver.url)
    served.add_webhook_fault("hold_back", count=1)
    first, second = generate(client), None
    served.advance(2)
    second = generate(client)
    served.advance(2)
    assert receiver.received == []  # the first is held until another attempt is made
    served.advance(2)
    order = [r.event["data"]["id"] for r in receiver.received]
    assert order == [second["id"], first["id"]]


def test_fault_rules_are_listed_and_cleared(served):
    rule = control(
        served,
        "POST",
        "/faults",
        json={"action": "delay", "seconds": 3, "match": {"event_type": "generation.failed"}},
    )
    assert rule["match"] == {"endpoint": None, "event_type": "generation.failed"}
    assert control(served, "GET", "/faults") == [rule]
    control(served, "DELETE", "/faults")
    assert control(served, "GET", "/faults") == []
    bad = httpx.post(f"{served.url}/_mock/webhooks/faults", json={"action": "explode"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_failed"


def test_probabilistic_faults_repeat_with_the_seed(receiver):
    def run():
        mock = MockServer(clock="manual", seed=11, webhook_retry_schedule="")
        client = mock.client()
        subscribe(client, "http://127.0.0.1:9/")
        mock.add_webhook_fault("receiver_down", probability=0.5)
        for _ in range(8):
            generate(client)
        mock.advance(4)
        faults = [s["fault"] for s in mock.webhook_deliveries()]
        mock.stop()
        return sorted(str(f) for f in faults)

    assert run() == run()


def test_reset_clears_webhooks(served, receiver):
    client = served.client()
    subscribe(client, receiver.url)
    served.add_webhook_fault("duplicate")
    served.pause_webhooks()
    served.reset()
    assert served.webhook_endpoints() == [] and served.webhook_faults() == []
    assert control(served, "GET", "")["paused"] is False


def test_an_alias_sends_a_public_hosts_deliveries_to_a_local_receiver(receiver):
    from mockserver import Profile

    mock = MockServer(Profile(), clock="manual")  # webhook_urls=public: only https URLs
    client = mock.client()
    subscribe(client, "https://hooks.example.com/hook")
    port = receiver.url.split(":")[2].split("/")[0]
    mock.alias_webhook_host("hooks.example.com", f"http://127.0.0.1:{port}")
    generate(client)
    mock.advance(4)
    [got] = receiver.received
    assert got.path == "/hook" and got.event["type"] == "generation.succeeded"
    assert mock.webhook_deliveries()[0]["request"]["url"] == receiver.url
    mock.stop()
