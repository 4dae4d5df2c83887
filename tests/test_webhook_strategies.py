"""Webhook schedules: what a drawn schedule does to the deliveries, and that it finds the bug of
the naive receiver in fixtures/examples (and nothing in a receiver without that bug)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import httpx
import pytest
from hypothesis import find, settings
from hypothesis.errors import NoSuchExample
from starlette.responses import Response

from mockserver import MockServer
from mockserver.strategies import (
    Delay,
    ReceiverDown,
    WebhookSchedule,
    webhook_schedules,
)

EXAMPLES = Path(__file__).parent.parent / "fixtures" / "examples"
TYPES = ["generation.succeeded", "generation.failed"]
pytest_plugins = ["pytester"]


def naive_receiver_class():
    spec = importlib.util.spec_from_file_location("naive_receiver", EXAMPLES / "naive_receiver.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.NaiveReceiver


def test_schedule_misbehaves_on_exactly_the_attempts_it_names():
    mock = MockServer(clock="manual", webhook_retry_schedule="")
    http = mock.client()
    http.post(
        "/api/v1/webhooks", json={"name": "r", "url": "http://127.0.0.1:9/", "event_types": TYPES}
    )
    WebhookSchedule(attempts={1: ReceiverDown(), 2: Delay(7)}).apply(mock)
    for _ in range(4):
        http.post("/api/v1/generations", json={"model": "z-image", "prompt": "x"})
    mock.advance(4)
    faults = [s["fault"] for s in mock.webhook_deliveries()]
    assert sorted(map(str, faults)) == ["None", "None", "receiver_down"]
    mock.advance(7)
    assert len(mock.webhook_deliveries()) == 4
    mock.stop()


def test_unknown_webhook_action_is_refused():
    with pytest.raises(ValueError):
        webhook_schedules(actions=["meteor"]).example()


@pytest.mark.slow
def test_an_idempotent_receiver_survives_every_schedule():
    naive = naive_receiver_class()

    class Idempotent(naive):
        def __init__(self) -> None:
            super().__init__()
            self.seen: set[str] = set()

        async def receive(self, request):
            event_id = request.headers.get("webhook-id", "")
            if event_id in self.seen:
                return Response(status_code=200)
            answer = await super().receive(request)
            if answer.status_code == 200:
                self.seen.add(event_id)
            return answer

    receiver = Idempotent()
    mock = MockServer(
        webhook_transport=httpx.ASGITransport(app=receiver.app),
        webhook_retry_schedule="5,5,5,5,5,5,5,5",  # more retries than faulted attempts
    )
    http = mock.client(in_process=True)

    def breaks_the_receiver(schedule: WebhookSchedule) -> bool:
        mock.reset(clock="manual")
        schedule.apply(mock)
        body = {"name": "r", "url": "http://receiver.test/hook", "event_types": TYPES}
        receiver.secret = http.post("/api/v1/webhooks", json=body).json()["signing_secret"]
        receiver.images, receiver.seen = 0, set()
        for _ in range(3):
            http.post("/api/v1/generations", json={"model": "z-image", "prompt": "x"})
        for _ in range(40):
            mock.advance(5)
        mock.release_webhooks()
        mock.advance(0)
        return receiver.images != 3

    with pytest.raises(NoSuchExample):
        find(
            webhook_schedules(max_attempts=6, max_delay_seconds=20),
            breaks_the_receiver,
            settings=settings(max_examples=40, database=None),
        )
    mock.stop()


@pytest.mark.slow
def test_the_shipped_webhook_example_finds_the_duplicate_bug(pytester):
    for name in ("naive_receiver.py", "test_naive_receiver.py"):
        shutil.copy(EXAMPLES / name, pytester.path / name)
    # a fresh process without Schemathesis' plugin, which blanks Hypothesis' printed arguments
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:schemathesis", "--hypothesis-seed=0"
    )
    result.assert_outcomes(failed=1)
    assert "schedule=WebhookSchedule(attempts={0: Duplicate()})," in result.stdout.str()
