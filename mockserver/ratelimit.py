"""A per-account token bucket, refilled on real monotonic time whatever the fake's clock."""

from __future__ import annotations

import math
import threading
import time

from .errors import RateLimited


class RateLimiter:
    def __init__(self, per_minute: int, burst: int, monotonic=time.monotonic) -> None:
        self.per_second = per_minute / 60.0
        self.burst = burst
        self._monotonic = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        # Accounts the control plane let off the limit (a contract-kit run, say).
        self.exempt: set[str] = set()

    def take(self, account_id: str) -> None:
        """Take one token for this account, or raise RateLimited with a whole-second Retry-After."""
        if self.per_second <= 0 or account_id in self.exempt:
            return
        with self._lock:
            now = self._monotonic()
            tokens, last = self._buckets.get(account_id, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
            if tokens < 1.0:
                self._buckets[account_id] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) / self.per_second))
                raise RateLimited(headers={"Retry-After": str(wait)})
            self._buckets[account_id] = (tokens - 1.0, now)

    def forget(self, account_id: str | None = None) -> None:
        with self._lock:
            if account_id is None:
                self._buckets.clear()
            else:
                self._buckets.pop(account_id, None)
