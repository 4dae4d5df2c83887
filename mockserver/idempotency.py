"""The idempotency store: keys are held while their first request runs, then bound to its response.

Scope is (account, route, key); bound keys live 24 hours on the fake's clock and are swept as the
clock passes them. Memory is bounded: a request is remembered by the SHA-256 of its fingerprint
(not the body itself), and at most MAX_KEYS keys are kept, the oldest going first (measured:
~0.9 KB a key with a 255-character key and a task answer, so ~90 MB at most).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from .errors import IdempotencyConflict, ValidationFailed

TTL_SECONDS = 24 * 3600.0
MAX_KEYS = 100_000


def digest(fingerprint: str) -> bytes:
    return hashlib.sha256(fingerprint.encode("utf-8", "surrogatepass")).digest()


# A bound key's answer: (SHA-256 of the request's fingerprint, status, body, stored_at). A plain
# tuple, not a class: a tuple of bytes and numbers drops out of the garbage collector's view, so
# 100,000 stored keys add nothing to the full collections that walk every live object.
StoredResponse = tuple[bytes, int, bytes, float]


def check_key_syntax(key: str) -> None:
    # printable ASCII is 0x20-0x7E; without the space that is exactly 0x21-0x7E
    if not (1 <= len(key) <= 255 and key.isascii() and key.isprintable() and " " not in key):
        raise ValidationFailed(
            "Idempotency-Key: must be 1 to 255 visible ASCII characters (0x21-0x7E)",
            rule="idempotency_key_syntax",
        )


class IdempotencyStore:
    def __init__(self, clock, max_keys: int = MAX_KEYS) -> None:
        self._clock = clock
        self.max_keys = max_keys
        self._held: set[tuple[str, str, str]] = set()
        # insertion order is binding order, which is time order: the clock never goes back.
        # An OrderedDict, not a dict: a dict keeps a hole for every key deleted from its front
        # until it is rebuilt, so finding the oldest key cost a walk over all the evicted ones
        # (~+35 us a create once MAX_KEYS keys were stored); OrderedDict finds it in O(1).
        self._bound: OrderedDict[tuple[str, str, str], StoredResponse] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._bound)

    def sweep(self) -> None:
        """Forget every key whose 24 hours have passed on the fake's clock."""
        with self._lock:
            self._sweep(self._clock.now())

    def _sweep(self, now: float) -> None:
        bound = self._bound
        while bound:
            oldest = next(iter(bound))
            if now - bound[oldest][3] < TTL_SECONDS and len(bound) <= self.max_keys:
                return
            bound.popitem(last=False)

    def hold(self, scope: tuple[str, str, str]) -> StoredResponse | None:
        """Return the stored response for `scope`, or hold the key; 409 if it is held already."""
        with self._lock:
            now = self._clock.now()
            self._sweep(now)
            stored = self._bound.get(scope)
            if stored is not None and now - stored[3] < TTL_SECONDS:
                return stored
            self._bound.pop(scope, None)
            if scope in self._held:
                raise IdempotencyConflict(
                    "A request with this Idempotency-Key is still in progress.",
                    rule="idempotency_in_flight",
                )
            self._held.add(scope)
            return None

    def bind(self, scope: tuple[str, str, str], fingerprint: str, status: int, body: bytes) -> None:
        with self._lock:
            now = self._clock.now()
            self._held.discard(scope)
            self._bound[scope] = (digest(fingerprint), status, body, now)
            self._sweep(now)

    def release(self, scope: tuple[str, str, str]) -> None:
        with self._lock:
            self._held.discard(scope)

    def forget_account(self, account_id: str) -> None:
        with self._lock:
            self._bound = OrderedDict((s, r) for s, r in self._bound.items() if s[0] != account_id)


def replay_or_conflict(stored: StoredResponse, fingerprint: str) -> StoredResponse:
    """Step (8): the same request replays the stored response; a different one is a conflict."""
    if stored[0] != digest(fingerprint):
        raise IdempotencyConflict(rule="idempotency_conflict")
    return stored
