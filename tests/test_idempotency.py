"""Idempotency (spec §8): replay byte for byte, conflicts, holds, scope and lifetime."""

import asyncio

import httpx
import pytest
from support import KEY, OTHER_KEY, auth, create, credits, is_error

from mockserver import create_app

BODY = {"model": "gpt-image-2", "prompt": "a lighthouse"}


def test_same_key_and_body_replays_the_original_response_and_charges_once(client, clock):
    first = create(client, BODY, **{"Idempotency-Key": "k1"})
    clock.advance(10)
    second = create(client, BODY, **{"Idempotency-Key": "k1"})
    assert second.status_code == first.status_code == 202
    assert second.content == first.content
    assert second.json()["status"] == "queued"
    assert credits(client) == 997


def test_same_key_with_a_different_body_is_a_conflict(client):
    create(client, BODY, **{"Idempotency-Key": "k1"})
    response = create(client, BODY | {"prompt": "another"}, **{"Idempotency-Key": "k1"})
    assert is_error(response, "idempotency_conflict", 409)
    assert credits(client) == 997


def test_defaults_sent_explicitly_are_a_different_request(client):
    create(client, BODY, **{"Idempotency-Key": "k1"})
    explicit = BODY | {"params": {"aspect_ratio": "1:1", "resolution": "1K"}}
    assert is_error(
        create(client, explicit, **{"Idempotency-Key": "k1"}), "idempotency_conflict", 409
    )


def test_key_order_and_whitespace_do_not_matter(client):
    headers = auth() | {"Idempotency-Key": "k1", "content-type": "application/json"}
    first = client.post(
        "/api/v1/generations", content=b'{"model":"z-image","prompt":"x"}', headers=headers
    )
    second = client.post(
        "/api/v1/generations", content=b'{ "prompt" : "x",\n "model": "z-image" }', headers=headers
    )
    assert second.content == first.content


def test_keys_are_scoped_per_account(client):
    first = create(client, BODY, **{"Idempotency-Key": "shared"})
    second = create(client, BODY, key=OTHER_KEY, **{"Idempotency-Key": "shared"})
    assert first.json()["id"] != second.json()["id"]


def test_a_rejected_request_does_not_bind_the_key(client):
    bad = create(client, {"model": "nope", "prompt": "x"}, **{"Idempotency-Key": "k1"})
    assert bad.status_code == 400
    assert create(client, BODY, **{"Idempotency-Key": "k1"}).status_code == 202


def test_insufficient_credits_does_not_bind_the_key(make_client):
    client = make_client(starting_credits=2)
    assert create(client, BODY, **{"Idempotency-Key": "k1"}).status_code == 402
    client.app.state.backend.ledger.set(client.app.state.backend.accounts.keys[KEY].account_id, 10)
    assert create(client, BODY, **{"Idempotency-Key": "k1"}).status_code == 202


def test_keys_expire_after_24_hours_on_the_fake_clock(client, clock):
    first = create(client, BODY, **{"Idempotency-Key": "k1"})
    clock.advance(24 * 3600)
    second = create(client, BODY, **{"Idempotency-Key": "k1"})
    assert second.json()["id"] != first.json()["id"]


@pytest.mark.parametrize("key", ["", " ", "tab\there", "é", "x" * 256])
def test_bad_idempotency_key_is_validation_failed(client, key):
    response = client.post(
        "/api/v1/generations", json=BODY, headers=auth() | {"Idempotency-Key": key.encode("utf-8")}
    )
    assert is_error(response, "validation_failed", 400)


def test_longest_allowed_key_is_accepted(client):
    assert create(client, BODY, **{"Idempotency-Key": "~" * 255}).status_code == 202


def test_a_held_key_gets_409_while_the_first_request_is_in_flight(make_client):
    app = make_client().app

    async def scenario():
        release, reading = asyncio.Event(), asyncio.Event()

        async def slow_body():
            yield b'{"model":"z-image",'
            reading.set()  # the app asked for more: it holds the key and is reading the body
            await release.wait()
            yield b'"prompt":"x"}'

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            headers = auth() | {"Idempotency-Key": "held", "content-type": "application/json"}
            first = asyncio.create_task(
                client.post("/api/v1/generations", content=slow_body(), headers=headers)
            )
            await reading.wait()
            second = await client.post(
                "/api/v1/generations", json={"model": "z-image", "prompt": "x"}, headers=headers
            )
            release.set()
            return await first, second

    first, second = asyncio.run(scenario())
    assert first.status_code == 202
    assert is_error(second, "idempotency_conflict", 409)


def test_fifty_concurrent_requests_with_one_key_create_one_task(make_client):
    app = create_app(seed=3)
    app.state.backend.limiter.per_second = 0

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            headers = auth() | {"Idempotency-Key": "same"}
            return await asyncio.gather(
                *(client.post("/api/v1/generations", json=BODY, headers=headers) for _ in range(50))
            )

    responses = asyncio.run(scenario())
    created = {r.json()["id"] for r in responses if r.status_code == 202}
    assert len(created) == 1
    assert all(r.status_code in (202, 409) for r in responses)
    assert len(app.state.backend.tasks) == 1
    account = app.state.backend.accounts.keys[KEY].account_id
    assert app.state.backend.ledger.balance(account) == 997
