"""A served fake delivers in the background on the real clock: no poll needed, no API request
blocked, and a slow receiver delays nobody else. The dispatcher lives in the app's lifespan."""

import threading
import time
from datetime import datetime

import httpx
from receiver import Receiver
from standardwebhooks import Webhook

from mockserver import MockServer

TYPES = ["generation.succeeded", "generation.failed"]


def subscribe(client, url):
    body = {"name": "r", "url": url, "event_types": TYPES}
    return client.post("/api/v1/webhooks", json=body).json()


def test_a_served_fake_delivers_when_the_task_ends_without_any_poll():
    with Receiver() as receiver, MockServer(queued_seconds=0.05, processing_seconds=0.1) as mock:
        client = mock.client()
        endpoint = subscribe(client, receiver.url)
        task = client.post("/api/v1/generations", json={"model": "z-image", "prompt": "x"}).json()
        [got] = receiver.wait_for(1)
        arrived = time.time()
        event = Webhook(endpoint["signing_secret"]).verify(got.body, got.headers)
        assert event["data"]["id"] == task["id"] and event["data"]["status"] == "succeeded"
        ended = datetime.fromisoformat(event["data"]["updated_at"].replace("Z", "+00:00"))
        # the design goal is 100 ms (bench territory); this only catches a dispatcher that naps
        assert arrived - ended.timestamp() < 1.0


def test_a_slow_receiver_delays_neither_other_receivers_nor_the_api():
    with (
        Receiver() as slow,
        Receiver() as fast,
        MockServer(queued_seconds=0, processing_seconds=0.05) as mock,
    ):
        slow.gate = threading.Event()
        client = mock.client()
        subscribe(client, slow.url)
        subscribe(client, fast.url)
        client.post("/api/v1/generations", json={"model": "z-image", "prompt": "x"})
        assert len(slow.wait_for(1)) == 1  # the slow one has its request and holds it
        assert len(fast.wait_for(1)) == 1  # the fast one got its own meanwhile
        assert client.get("/api/v1/credits").status_code == 200
        assert httpx.get(f"{mock.url}/_mock/state").status_code == 200
        slow.gate.set()


def test_the_dispatcher_starts_and_stops_with_the_server():
    mock = MockServer().start()
    dispatcher = mock.app.state.dispatcher
    assert dispatcher.running
    mock.stop()
    assert not dispatcher.running


def test_the_lateness_bench_measures_every_task():
    from bench.webhooks import lateness_ms

    late = lateness_ms(tasks=3, processing_seconds=0.05)
    assert len(late) == 3 and all(ms >= 0 for ms in late)


def test_stopping_while_advance_waits_on_a_slow_receiver_answers_advance_in_the_envelope():
    """Shutdown starts while `advance` waits for an attempt to a slow receiver: the dispatcher
    stops at once and `advance` answers with the clock (uvicorn cancelled it after its grace
    period, and its plain-text 500 "Internal Server Error" went out instead)."""
    with Receiver() as slow:
        slow.gate = threading.Event()
        mock = MockServer(clock="manual", webhook_timeout_seconds=30).start()
        client = mock.client()
        subscribe(client, slow.url)
        client.post("/api/v1/generations", json={"model": "z-image", "prompt": "x"})
        answers = []

        def advance():
            answers.append(httpx.post(f"{mock.url}/_mock/clock/advance", json={"seconds": 4}))

        waiting = threading.Thread(target=advance)
        waiting.start()
        assert len(slow.wait_for(1)) == 1  # the attempt is in flight; advance waits for it
        mock.stop()
        waiting.join(10)
        [answer] = answers
        assert answer.status_code == 200, answer.text
        assert "epoch_seconds" in answer.json()
