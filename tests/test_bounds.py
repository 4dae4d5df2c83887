"""Spec §15: stored things are bounded: idempotency keys expire and are swept, and neither they nor
auto-provisioned accounts grow without limit."""

from __future__ import annotations

from support import KEY, auth, create, is_error

from mockserver import ManualClock
from mockserver.idempotency import TTL_SECONDS, IdempotencyStore

BODY = {"model": "z-image", "prompt": "a lighthouse"}


def keyed(client, n: int, key: str = KEY):
    return create(client, BODY, key, **{"Idempotency-Key": f"key-{n}"})


def store(client) -> IdempotencyStore:
    return client.app.state.backend.idempotency


def test_idempotency_keys_are_swept_when_the_clock_passes_their_24_hours(client):
    for n in range(50):
        assert keyed(client, n).status_code == 202
    assert len(store(client)) == 50
    client.post("/_mock/clock/advance", json={"seconds": TTL_SECONDS + 1})
    assert len(store(client)) == 0


def test_the_next_request_sweeps_expired_keys(client, clock):
    for n in range(20):
        keyed(client, n)
    clock.advance(TTL_SECONDS - 10)
    keyed(client, 100)
    assert len(store(client)) == 21  # nothing had expired yet
    clock.advance(11)
    keyed(client, 101)
    assert len(store(client)) == 2  # the first twenty went; the last two stay


def test_a_key_replays_until_its_24_hours_end(client, clock):
    first = keyed(client, 1)
    clock.advance(TTL_SECONDS - 1)
    assert keyed(client, 1).content == first.content
    clock.advance(1)
    assert keyed(client, 1).json()["id"] != first.json()["id"]


def test_the_store_keeps_at_most_its_bound_dropping_the_oldest():
    bounded = IdempotencyStore(ManualClock(start=0.0), max_keys=3)
    for n in range(5):
        scope = ("acct", "generations", f"k{n}")
        assert bounded.hold(scope) is None
        bounded.bind(scope, "fingerprint", 202, b"{}")
    assert len(bounded) == 3
    assert bounded.hold(("acct", "generations", "k4")) is not None
    assert bounded.hold(("acct", "generations", "k0")) is None  # forgotten: held anew


def test_a_big_request_is_remembered_by_its_digest_only(client):
    body = {"model": "gpt-image-2", "prompt": "p" * 19_000, "client_request_id": "c" * 128}
    create(client, body, **{"Idempotency-Key": "big"})
    (stored,) = store(client)._bound.values()
    fingerprint, *_ = stored
    assert len(fingerprint) == 32
    replay = create(client, body, **{"Idempotency-Key": "big"})
    assert replay.status_code == 202
    conflict = create(client, body | {"prompt": "q"}, **{"Idempotency-Key": "big"})
    assert is_error(conflict, "idempotency_conflict", 409)


def test_auto_provisioning_stops_at_its_bound_and_known_keys_keep_working(client):
    client.app.state.backend.accounts.max_provisioned = 3
    for n in range(3):
        assert client.get("/api/v1/credits", headers=auth(f"rvya_sk_bounded_{n:04d}")).is_success
    refused = client.get("/api/v1/credits", headers=auth("rvya_sk_bounded_9999"))
    assert is_error(refused, "api_key_invalid", 401)
    assert "provisioned" in refused.json()["error"]["message"]
    assert client.get("/api/v1/credits", headers=auth("rvya_sk_bounded_0001")).is_success


def test_a_key_longer_than_256_characters_is_not_provisioned(client):
    long_key = "rvya_sk_" + "a" * 249
    assert is_error(client.get("/api/v1/credits", headers=auth(long_key)), "api_key_invalid", 401)
    assert client.get("/api/v1/credits", headers=auth("rvya_sk_" + "a" * 248)).is_success
