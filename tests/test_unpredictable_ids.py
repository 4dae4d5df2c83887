"""Spec §15: without --seed, one account cannot predict another's ids from its own.

The attack is the one that worked when ids came from `random.Random`: a task id is 120 bits of
`getrandbits(120)`, i.e. three whole Mersenne Twister outputs and the top 24 bits of a fourth.
From 312 consecutive ids the whole generator state follows (the missing 8 bits of every fourth
output are pinned by the twist recurrence), and with it every id to come.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterator

import httpx

from mockserver import Profile, create_app, in_process_client
from mockserver.backend import Backend
from mockserver.randomness import Streams

MASK = 0xFFFFFFFF
N, M = 624, 397


def temper(y: int) -> int:
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C5680
    y ^= (y << 15) & 0xEFC60000
    return y ^ (y >> 18)


def _undo_left7(y: int) -> int:
    result = y
    for _ in range(5):
        result = y ^ ((result << 7) & 0x9D2C5680)
    return result & MASK


def untemper(y: int) -> int:
    y ^= y >> 18
    y ^= (y << 15) & 0xEFC60000
    y = _undo_left7(y)
    result = y
    for _ in range(3):
        result = y ^ (result >> 11)
    return result & MASK


def twist(upper_of: int, lower_of: int, shifted: int) -> int:
    """The untempered word that follows: x[k+624] from x[k], x[k+1] and x[k+397]."""
    y = (upper_of & 0x80000000) | (lower_of & 0x7FFFFFFF)
    return shifted ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)


def id_bits(identifier: str) -> int:
    return int.from_bytes(base64.b32decode(identifier.split("_", 1)[1].upper()), "big")


def predict(ids: list[str], prefix: str) -> Iterator[str]:
    """The ids that come next from the generator, if `ids` came from a Mersenne Twister."""
    words: list[int | None] = []
    tops: dict[int, int] = {}
    for identifier in ids:
        value = id_bits(identifier)
        words += [untemper((value >> shift) & MASK) for shift in (0, 32, 64)]
        tops[len(words)] = value >> 96
        words.append(None)  # only its top 24 bits are known, as tops[...]
    for position, top in tops.items():
        if position < N:
            continue
        low, shifted = words[position - N + 1], words[position - N + M]
        assert low is not None and shifted is not None
        fits = [
            word
            for upper in (0, 0x80000000)
            if (temper(word := twist(upper, low, shifted)) >> 8) == top
        ]
        if not fits:
            return  # not a Mersenne Twister stream: nothing can be predicted
        words[position] = fits[0]
    while True:
        draws = []
        for _ in range(4):
            k = len(words)
            upper, low, shifted = words[k - N], words[k - N + 1], words[k - N + M]
            assert upper is not None and low is not None and shifted is not None
            words.append(twist(upper, low, shifted))
            draws.append(temper(words[-1]))
        value = draws[0] | draws[1] << 32 | draws[2] << 64 | (draws[3] >> 8) << 96
        yield f"{prefix}_{base64.b32encode(value.to_bytes(15, 'big')).decode().lower()}"


def next_ids(ids: list[str], prefix: str, count: int) -> list[str]:
    predicted = predict(ids, prefix)
    return [identifier for _, identifier in zip(range(count), predicted, strict=False)]


def test_the_attack_predicts_a_seeded_fakes_ids_as_the_banner_warns():
    streams = Streams(seed=5)
    seen = [streams.new_id("task") for _ in range(400)]
    coming = [streams.new_id("task") for _ in range(3)]
    assert next_ids(seen, "task", 3) == coming


def created_ids(client: httpx.Client, key: str, count: int) -> list[str]:
    headers = {"Authorization": f"Bearer {key}"}
    body = {"model": "z-image", "prompt": "a lighthouse"}
    return [
        client.post("/api/v1/generations", json=body, headers=headers).json()["id"]
        for _ in range(count)
    ]


def test_another_accounts_ids_cannot_be_predicted_from_400_task_ids():
    client = in_process_client(create_app(Profile(rate_limit_per_minute=0)))
    attacker = "rvya_sk_attacker_0001"
    created_ids(client, attacker, 1)  # the attacker's account exists before the run
    seen = created_ids(client, attacker, 400)
    victim = {"Authorization": "Bearer rvya_sk_victim_00001"}
    task = created_ids(client, "rvya_sk_victim_00001", 1)[0]
    upload = client.post(
        "/api/v1/files",
        files={"file": ("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)},
        data={"kind": "image"},
        headers=victim,
    ).json()["id"]
    guesses = set(next_ids(seen, "task", 8)) | {
        "file_" + g.split("_", 1)[1] for g in next_ids(seen, "task", 8)
    }
    assert task not in guesses and upload not in guesses
    client.close()


def next_words(outputs: list[int], count: int) -> list[int]:
    """The Mersenne Twister's next 32-bit outputs, from 624 (or more) whole ones in a row."""
    state = [untemper(word) for word in outputs[-N:]]
    for _ in range(count):
        state.append(twist(state[-N], state[-N + 1], state[-N + M]))
    return [temper(word) for word in state[N:]]


def secret_words(secret: str) -> list[int]:
    return list(struct.unpack("<6I", base64.b64decode(secret.removeprefix("whsec_"))))


def test_webhook_signing_secrets_are_unpredictable_without_a_seed():
    """Each secret shows six whole outputs: 104 of them give the generator away when seeded."""
    for backend, predictable in ((Backend(seed=3), True), (Backend(), False)):
        ids = backend.webhooks.ids
        seen = [word for _ in range(110) for word in secret_words(ids.new_secret())]
        coming = secret_words(ids.new_secret())
        assert (next_words(seen, 6) == coming) is predictable
