"""Seeded random streams: one seed fixes ids, outcomes, request ids, faults and secrets.

Each concern draws from its own stream so that, say, an error response does not shift task ids.
"""

from __future__ import annotations

import base64
import hashlib
import random
import secrets
import string

_REQUEST_ID_ALPHABET = string.ascii_letters + string.digits


class Streams:
    def __init__(self, seed: int | None = None) -> None:
        self.seed = secrets.randbits(63) if seed is None else seed
        self.ids = random.Random(f"{self.seed}:ids")
        self.outcomes = random.Random(f"{self.seed}:outcomes")
        self.requests = random.Random(f"{self.seed}:requests")
        self.faults = random.Random(f"{self.seed}:faults")
        self.secret = hashlib.sha256(f"rivya-mock:{self.seed}:secret".encode()).digest()

    def new_id(self, prefix: str) -> str:
        """`prefix_` + 24 characters of lowercase base32 (`[a-z2-7]{24}`)."""
        raw = self.ids.getrandbits(120).to_bytes(15, "big")
        return f"{prefix}_{base64.b32encode(raw).decode('ascii').lower()}"

    def request_id(self) -> str:
        return "req_" + "".join(self.requests.choices(_REQUEST_ID_ALPHABET, k=24))

    def draw_outcome(self) -> float:
        return self.outcomes.random()
