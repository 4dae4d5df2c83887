"""Events and deliveries (spec §14) to a real receiver on 127.0.0.1, driven by the manual clock:
signed with Standard Webhooks, retried, counted, disabled, rotated — and no sleeps."""

import threading
from collections.abc import Callable

import httpx
import pytest
from receiver import Receiver
from standardwebhooks import Webhook
from support import conforms_to_schema

from mockserver import MockServer

TYPES = ["generation.succeeded", "generation.failed"]


@pytest.fixture
def mock():
    server = MockServer(clock="manual", seed=3, webhook_retry_schedule="5,30")
    yield server
    server.stop()


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def subscribe(client, url, types=TYPES):
    created = client.post("/api/v1/webhooks", json={"name": "r", "url": url, "event_types": types})
    assert created.status_code == 201, created.text
    return created.json()


def generate(client, prompt="a lighthouse"):
    return client.post("/api/v1/generations", json={"model": "z-image", "prompt": prompt}).json()


def deliveries(client, endpoint):
    answer = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries")
    assert conforms_to_schema(answer, "webhook_delivery_list.json")
    return answer.json()["data"]


def test_a_finished_task_is_delivered_signed_once_advance_returns(mock, receiver):
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    task = generate(client)
    mock.advance(3.9)
    assert receiver.received == []
    mock.advance(0.1)  # nobody polls: the event comes from the clock
    [got] = receiver.received
    event = Webhook(endpoint["signing_secret"]).verify(got.body, got.headers)
    assert event["type"] == "generation.succeeded" and event["data"]["id"] == task["id"]
    assert got.headers["content-type"] == "application/json"
    assert got.headers["webhook-id"] == event["id"]
    assert int(got.headers["webhook-timestamp"]) == int(mock.now())


def test_the_payload_is_the_task_as_polled(mock, receiver):
    client = mock.client()
    subscribe(client, receiver.url)
    task = generate(client, "x [mock:fail]")
    mock.advance(4)
    event = receiver.received[0].event
    assert event["type"] == "generation.failed"
    assert event["data"] == client.get(f"/api/v1/generations/{task['id']}").json()
    assert event["created_at"] == event["data"]["updated_at"]
    listed = client.get("/api/v1/webhook-events")
    assert conforms_to_schema(listed, "webhook_event_list.json")
    assert listed.json()["data"][0] == event


def test_only_subscribed_types_are_delivered(mock, receiver):
    client = mock.client()
    subscribe(client, receiver.url, ["generation.failed"])
    generate(client)
    generate(client, "x [mock:fail]")
    mock.advance(4)
    assert [r.event["type"] for r in receiver.received] == ["generation.failed"]


def test_http_advance_waits_for_the_attempts_too(receiver):
    with MockServer(clock="manual") as mock:
        client = mock.client()
        subscribe(client, receiver.url)
        generate(client)
        answer = httpx.post(f"{mock.url}/_mock/clock/advance", json={"seconds": 4})
        assert answer.status_code == 200
        assert len(receiver.received) == 1


def test_a_failed_attempt_is_retried_on_the_schedule(mock, receiver):
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    receiver.statuses = [500, 503]
    generate(client)
    mock.advance(4)
    first = deliveries(client, endpoint)
    assert [(d["attempt"], d["status"], d["response_status"]) for d in first] == [
        (2, "pending", None),
        (1, "failed", 500),
    ]
    assert first[1]["next_attempt_at"] == first[0]["next_attempt_at"]
    shown = client.get(f"/api/v1/webhooks/{endpoint['id']}").json()
    assert shown["failure_count"] == 1 and shown["last_failure_at"]
    mock.advance(4.9)
    assert len(receiver.received) == 1
    mock.advance(0.1)
    assert len(receiver.received) == 2
    mock.advance(30)
    assert len(receiver.received) == 3
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert len(ids) == 1  # the same event id on every retry
    shown = client.get(f"/api/v1/webhooks/{endpoint['id']}").json()
    assert shown["failure_count"] == 0 and shown["last_success_at"]
    assert [d["status"] for d in deliveries(client, endpoint)] == ["succeeded", "failed", "failed"]


def test_attempts_are_abandoned_after_the_schedule(mock, receiver):
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    receiver.statuses = [500, 500, 500, 500]
    generate(client)
    for seconds in (4, 5, 30, 600):
        mock.advance(seconds)
    assert len(receiver.received) == 3  # the first attempt and two retries ("5,30")
    assert deliveries(client, endpoint)[0]["next_attempt_at"] is None


def test_a_redirect_is_a_failure_and_is_not_followed(mock, receiver):
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    receiver.statuses = [302]
    receiver.headers_out = {"location": receiver.url + "/elsewhere"}
    generate(client)
    mock.advance(4)
    assert [r.path for r in receiver.received] == ["/hook"]
    last = deliveries(client, endpoint)[1]
    assert (last["status"], last["response_status"]) == ("failed", 302)
    assert "redirect" in last["error"]


def test_no_answer_within_the_timeout_is_a_failure(receiver):
    mock = MockServer(clock="manual", webhook_timeout_seconds=0.2)
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    receiver.gate = threading.Event()
    generate(client)
    mock.advance(4)
    receiver.gate.set()
    last = deliveries(client, endpoint)[-1]
    assert last["status"] == "failed" and last["error"].startswith("timeout")
    mock.stop()


def test_a_2xx_in_time_is_a_success_however_slowly_its_body_comes(receiver):
    mock = MockServer(clock="manual", webhook_timeout_seconds=0.3)
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    receiver.body_gate = threading.Event()
    generate(client)
    mock.advance(4)
    receiver.body_gate.set()
    first = deliveries(client, endpoint)[-1]
    assert (first["status"], first["response_status"], first["error"]) == ("succeeded", 200, None)
    mock.stop()


def test_a_refused_connection_is_a_failure(mock):
    client = mock.client()
    endpoint = subscribe(client, "http://127.0.0.1:9/nobody")
    generate(client)
    mock.advance(4)
    last = deliveries(client, endpoint)[-1]
    assert last["status"] == "failed" and last["error"].startswith("connection")


def test_consecutive_failures_disable_the_endpoint(receiver):
    mock = MockServer(
        clock="manual", webhook_disable_after_failures=2, webhook_retry_schedule="5,5,5"
    )
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    receiver.statuses = [500] * 5
    generate(client)
    mock.advance(4)
    mock.advance(5)
    shown = client.get(f"/api/v1/webhooks/{endpoint['id']}").json()
    assert (shown["status"], shown["failure_count"]) == ("disabled", 2) and shown["disabled_at"]
    mock.advance(100)
    assert len(receiver.received) == 2  # pending retries stopped
    generate(client)
    mock.advance(4)
    assert len(receiver.received) == 2  # and a disabled endpoint gets no new events
    mock.stop()


def six_attempts_due_together(receiver):
    """A fake that disables an endpoint after 3 failures, and 6 first attempts due at once."""
    mock = MockServer(
        clock="manual", webhook_disable_after_failures=3, webhook_retry_schedule="1,1,1,1,1"
    )
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    for _ in range(6):
        generate(client)
    mock.advance(4)
    return mock, client, endpoint


def test_attempts_due_together_never_exceed_the_disable_threshold(receiver):
    receiver.statuses = [500] * 10
    mock, client, endpoint = six_attempts_due_together(receiver)
    mock.advance(100)
    assert len(receiver.received) == 3
    shown = client.get(f"/api/v1/webhooks/{endpoint['id']}").json()
    assert (shown["status"], shown["failure_count"]) == ("disabled", 3)
    mock.stop()


def test_a_healthy_receiver_gets_every_attempt_due_together(receiver):
    mock, client, endpoint = six_attempts_due_together(receiver)
    assert len(receiver.received) == 6
    assert [d["status"] for d in deliveries(client, endpoint)] == ["succeeded"] * 6
    mock.stop()


def test_an_auto_disabled_endpoint_leaves_room_for_another_active_one(receiver):
    mock = MockServer(clock="manual", webhook_disable_after_failures=1)
    client = mock.client()
    failing = subscribe(client, receiver.url, ["generation.succeeded"])
    for _ in range(19):
        subscribe(client, receiver.url, ["generation.failed"])
    receiver.statuses = [500]
    generate(client)
    mock.advance(4)
    assert client.get(f"/api/v1/webhooks/{failing['id']}").json()["status"] == "disabled"
    subscribe(client, receiver.url)  # asserts 201
    mock.stop()


def test_both_signatures_for_a_day_after_rotation(mock, receiver):
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    old = endpoint["signing_secret"]
    new = client.post(f"/api/v1/webhooks/{endpoint['id']}/rotate-secret").json()["signing_secret"]
    generate(client)
    mock.advance(4)
    got = receiver.received[0]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(got.body, got.headers)
    Webhook(new).verify(got.body, got.headers)
    mock.advance(24 * 3600)
    generate(client)
    mock.advance(4)
    late = receiver.received[1]
    [signature] = late.headers["webhook-signature"].split(" ")
    stamp = int(late.headers["webhook-timestamp"])
    when = __import__("datetime").datetime.fromtimestamp(stamp, tz=__import__("datetime").UTC)
    assert signature == Webhook(new).sign(late.headers["webhook-id"], when, late.body.decode())


def test_a_test_event_goes_to_that_endpoint_only_even_if_disabled(mock, receiver):
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    subscribe(client, receiver.url + "/other")
    client.patch(f"/api/v1/webhooks/{endpoint['id']}", json={"status": "disabled"})
    sent = client.post(f"/api/v1/webhooks/{endpoint['id']}/test")
    assert sent.status_code == 202 and conforms_to_schema(sent, "webhook_event.json")
    mock.advance(0)
    [got] = receiver.received
    event = Webhook(endpoint["signing_secret"]).verify(got.body, got.headers)
    assert event == sent.json()
    assert event["type"] == "webhook.test" and event["data"] == {"endpoint_id": endpoint["id"]}


def test_a_failed_test_event_is_retried_on_the_schedule(mock, receiver):
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    receiver.statuses = [500]
    client.post(f"/api/v1/webhooks/{endpoint['id']}/test")
    mock.advance(0)
    first = deliveries(client, endpoint)[-1]
    assert first["status"] == "failed" and first["next_attempt_at"] is not None
    mock.advance(5)
    second, first = deliveries(client, endpoint)
    assert (second["attempt"], second["status"], second["event_type"]) == (
        2,
        "succeeded",
        "webhook.test",
    )
    assert [r.headers["webhook-id"] for r in receiver.received] == [first["event_id"]] * 2


def test_a_failed_test_event_to_a_disabled_endpoint_is_not_retried(mock, receiver):
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    client.patch(f"/api/v1/webhooks/{endpoint['id']}", json={"status": "disabled"})
    receiver.statuses = [500]
    client.post(f"/api/v1/webhooks/{endpoint['id']}/test")
    mock.advance(0)
    mock.advance(100)
    assert len(receiver.received) == 1
    [only] = deliveries(client, endpoint)
    assert only["status"] == "failed" and only["next_attempt_at"] is None


def test_a_revoked_endpoint_gets_nothing(mock, receiver):
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    generate(client)
    client.delete(f"/api/v1/webhooks/{endpoint['id']}")
    mock.advance(4)
    assert receiver.received == []


def test_events_before_an_endpoint_existed_are_not_sent_to_it(mock, receiver):
    client = mock.client()
    generate(client)
    mock.advance(4)
    subscribe(client, receiver.url)
    mock.advance(10)
    assert receiver.received == []
    assert len(client.get("/api/v1/webhook-events").json()["data"]) == 1


def _deliveries_through_asgi(react: Callable[[MockServer], object] = lambda mock: None) -> list:
    """Bodies an in-process ASGI receiver got for one generation (`react` runs in each delivery)."""
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    got = []

    async def hook(request):
        got.append(await request.body())
        react(mock)
        return Response(status_code=200)

    app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    mock = MockServer(clock="manual", webhook_transport=httpx.ASGITransport(app=app))
    client = mock.client()
    subscribe(client, "http://receiver.test/hook")
    generate(client)
    mock.advance(4)
    mock.stop()
    return got


def test_in_process_deliveries_go_through_the_given_transport():
    assert len(_deliveries_through_asgi()) == 1


def test_a_receiver_that_advances_the_clock_does_not_hang_the_fake():
    # from inside a delivery: must not wait for itself
    assert len(_deliveries_through_asgi(lambda mock: mock.advance(1))) == 1


def test_a_public_name_resolving_to_a_local_address_is_not_sent_to(monkeypatch):
    import mockserver.webhooks.delivery as delivery
    from mockserver import Profile

    monkeypatch.setattr(delivery, "resolve", lambda host, port: ["127.0.0.1"])
    mock = MockServer(Profile(), clock="manual")  # webhook_urls=public
    client = mock.client()
    endpoint = subscribe(client, "https://rebinding.example.com/hook")
    generate(client)
    mock.advance(4)
    [attempt] = deliveries(client, endpoint)[-1:]
    assert attempt["status"] == "failed" and "non-public address" in attempt["error"]
    assert mock.webhook_deliveries()[0]["response"] is None
    mock.stop()


def test_events_are_listed_newest_first_when_a_test_event_comes_before_anyone_looked(
    mock, receiver
):
    """A task that ended while the account's only endpoint was disabled becomes its event when
    someone looks; a test event sent later still lists first (its created_at is the newest)."""
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    client.patch(f"/api/v1/webhooks/{endpoint['id']}", json={"status": "disabled"})
    generate(client)
    mock.advance(10)
    client.post(f"/api/v1/webhooks/{endpoint['id']}/test")
    listed = client.get("/api/v1/webhook-events").json()["data"]
    assert [e["type"] for e in listed] == ["webhook.test", "generation.succeeded"]
    assert [e["created_at"] for e in listed] == sorted(
        (e["created_at"] for e in listed), reverse=True
    )


@pytest.mark.parametrize("stop", ["disable", "revoke"])
def test_no_attempt_promises_a_retry_that_was_abandoned(mock, receiver, stop):
    """A failed attempt's `next_attempt_at` names its retry; once that retry is abandoned (the
    endpoint disabled or revoked) no attempt may still show a time for it."""
    client = mock.client()
    endpoint = subscribe(client, receiver.url)
    receiver.statuses = [500]
    generate(client)
    mock.advance(4)
    assert deliveries(client, endpoint)[1]["next_attempt_at"] is not None  # the retry is due
    if stop == "disable":
        client.patch(f"/api/v1/webhooks/{endpoint['id']}", json={"status": "disabled"})
    else:
        client.delete(f"/api/v1/webhooks/{endpoint['id']}")
    attempts = deliveries(client, endpoint)
    assert [d["status"] for d in attempts] == ["failed", "failed"]
    assert [d["next_attempt_at"] for d in attempts] == [None, None]
    mock.advance(60)
    assert len(receiver.received) == 1
