"""Random streams: ids, request ids and secrets, outcomes and faults.

Without a seed, ids, request ids and the signing secret come from `secrets` (the OS's
cryptographic generator), so one account cannot predict another's ids: `/cdn` URLs need no key.
With a seed, every stream comes from it, so a fixed order of requests gets the same ids, outcomes
and faults (and the ids are then predictable, which the CLI's banner says). Each concern draws
from its own stream so that, say, an error response does not shift task ids.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import string

_REQUEST_ID_ALPHABET = string.ascii_letters + string.digits
# bytes 0..247 map onto the 62 characters evenly (248 = 4 x 62); larger bytes are dropped
_EVEN_BYTES = (_REQUEST_ID_ALPHABET * 4).encode("ascii").ljust(256, b"?")
_UNEVEN = bytes(range(248, 256))
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"  # RFC 4648's alphabet, lowercase
# 120 bits read 10 at a time, each pair of characters looked up at once (base64.b32encode is
# pure Python: ~2 us an id, against ~1 us here)
_PAIRS = [first + second for first in _BASE32 for second in _BASE32]
_SHIFTS = tuple(range(110, -1, -10))


class IdStream:
    """Ids and random bytes from one named stream of the seed, or from `secrets` without one."""

    def __init__(self, seed: int | None, name: str) -> None:
        self._rng = random.Random(f"{seed}:{name}") if seed is not None else None

    def token_bytes(self, count: int) -> bytes:
        return secrets.token_bytes(count) if self._rng is None else self._rng.randbytes(count)

    def new_id(self, prefix: str) -> str:
        """`prefix_` + 24 characters of lowercase base32 (`[a-z2-7]{24}`, 120 random bits)."""
        if self._rng is None:
            bits = int.from_bytes(secrets.token_bytes(15), "big")
        else:
            bits = self._rng.getrandbits(120)
        return prefix + "_" + "".join([_PAIRS[(bits >> shift) & 1023] for shift in _SHIFTS])


class Streams:
    def __init__(self, seed: int | None = None) -> None:
        self.seeded = seed is not None
        self.seed = secrets.randbits(63) if seed is None else seed
        self.outcomes = random.Random(f"{self.seed}:outcomes")
        self.faults = random.Random(f"{self.seed}:faults")
        self.ids = IdStream(seed, "ids")
        if self.seeded:
            self.requests = random.Random(f"{self.seed}:requests")
            self.secret = hashlib.sha256(f"rivya-mock:{self.seed}:secret".encode()).digest()
        else:
            self.secret = secrets.token_bytes(32)

    def new_id(self, prefix: str) -> str:
        return self.ids.new_id(prefix)

    def request_id(self) -> str:
        """`req_` + 24 characters of [A-Za-z0-9]."""
        if self.seeded:
            return "req_" + "".join(self.requests.choices(_REQUEST_ID_ALPHABET, k=24))
        text = b""
        while len(text) < 24:
            text += secrets.token_bytes(32).translate(None, _UNEVEN)
        return "req_" + text[:24].translate(_EVEN_BYTES).decode("ascii")

    def draw_outcome(self) -> float:
        return self.outcomes.random()
