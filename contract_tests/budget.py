"""The credit budget of one run: every create reserves its cost here first, so a run never overspends."""

from __future__ import annotations

import threading

import pytest


class Budget:
    """A thread-safe allowance of credits; `limit=None` means unlimited (the in-process fake)."""

    def __init__(self, limit: int | None) -> None:
        if limit is not None and limit < 0:
            raise ValueError("a budget cannot be negative")
        self.limit = limit
        self._spent = 0
        self._lock = threading.Lock()
        # Credits set aside for the one invalid body a broken target may accept (see spending).
        self.guard = 0
        self.guard_spent = False

    @property
    def spent(self) -> int:
        return self._spent

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else self.limit - self._spent

    def try_reserve(self, cost: int) -> bool:
        """Take `cost` from the budget if it fits; never lets the total pass the limit."""
        with self._lock:
            if self.limit is not None and self._spent + cost > self.limit:
                return False
            self._spent += cost
            return True

    def reserve(self, cost: int, why: str = "this check") -> None:
        """Like `try_reserve`, but skips the running test when the budget cannot cover `cost`."""
        if not self.try_reserve(cost):
            pytest.skip(
                f"budget: {why} needs {cost} credits, {self.remaining} of {self.limit} left (--max-credits)"
            )

    def release(self, cost: int) -> None:
        """Give back a reservation the server did not charge (the request was refused)."""
        with self._lock:
            self._spent = max(0, self._spent - cost)

    def set_aside_guard(self, cost: int) -> None:
        """Reserve `cost` now, so checks of refused bodies can run whatever the paid checks spend."""
        if self.limit is not None and not self.guard and self.try_reserve(cost):
            self.guard = cost

    def spend_guard(self) -> None:
        """An invalid body was accepted and charged: the guard is gone (and stays spent)."""
        self.guard, self.guard_spent = 0, True

    @property
    def charged(self) -> int:
        """What the run may have cost: everything reserved except an unspent guard."""
        return self._spent - self.guard

    def affordable(self, cost: int) -> int | None:
        """How many creates of `cost` still fit (None: unlimited)."""
        remaining = self.remaining
        if remaining is None:
            return None
        return remaining // cost if cost > 0 else None
