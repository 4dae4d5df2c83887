"""The `rivya_webhooks` fixture, as a fresh project sees it (pytester, installed entry point)."""

from __future__ import annotations

pytest_plugins = ["pytester"]

USES_WEBHOOKS = """
import httpx
import pytest
from standardwebhooks import Webhook

def generate(mock, prompt="a lighthouse"):
    answer = httpx.post(f"{mock.url}/api/v1/generations",
                        json={"model": "z-image", "prompt": prompt},
                        headers={"Authorization": f"Bearer {mock.api_key}"})
    return answer.json()["id"]

@pytest.mark.rivya_mock(clock="manual")
def test_served_receiver_gets_a_verified_success(rivya_mock, rivya_webhooks):
    endpoint = rivya_webhooks.subscribe()
    assert rivya_webhooks.url.startswith("http://127.0.0.1:")
    task_id = generate(rivya_mock)
    rivya_mock.advance(4)
    delivery = rivya_webhooks.wait_for("generation.succeeded", task_id)
    assert delivery.verified and delivery.endpoint_id == endpoint["id"]
    assert delivery.data["status"] == "succeeded"
    Webhook(endpoint["signing_secret"]).verify(delivery.body, delivery.headers)

@pytest.mark.rivya_mock(clock="manual")
def test_in_process_receiver_gets_a_verified_failure(rivya_mock, rivya_webhooks):
    rivya_webhooks.subscribe(["generation.failed"], in_process=True)
    task_id = generate(rivya_mock, "x [mock:fail]")
    rivya_mock.advance(4)
    assert rivya_webhooks.wait_for("generation.failed", task_id).data["id"] == task_id

def test_real_clock_delivery_arrives_on_its_own(rivya_mock, rivya_webhooks):
    rivya_mock.reset(queued_seconds=0, processing_seconds=0.05)
    rivya_webhooks.subscribe()
    task_id = generate(rivya_mock)
    assert rivya_webhooks.wait_for("generation.succeeded", task_id).verified

@pytest.mark.rivya_mock(clock="manual")
def test_a_bad_signature_is_recorded_unverified(rivya_mock, rivya_webhooks):
    rivya_webhooks.subscribe()
    rivya_mock.add_webhook_fault("bad_signature", count=1)
    generate(rivya_mock)
    rivya_mock.advance(4)
    [first] = rivya_webhooks.deliveries
    assert not first.verified
    with pytest.raises(AssertionError):
        rivya_webhooks.wait_for("generation.succeeded", timeout=0)

def test_each_test_starts_with_no_deliveries(rivya_mock, rivya_webhooks):
    assert rivya_webhooks.deliveries == []
    assert rivya_mock.webhook_endpoints() == []

def test_rivya_mock_accepts_local_receivers(rivya_mock):
    answer = httpx.post(f"{rivya_mock.url}/api/v1/webhooks",
                        json={"name": "x", "url": "http://localhost:9/x",
                              "event_types": ["generation.succeeded"]},
                        headers={"Authorization": f"Bearer {rivya_mock.api_key}"})
    assert answer.status_code == 201
"""


def test_rivya_webhooks_fixture_in_a_fresh_project(pytester):
    pytester.makepyfile(test_hooks=USES_WEBHOOKS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)
