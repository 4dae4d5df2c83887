"""The credit ledger: balances per account; reservations and refunds move credits atomically."""

from __future__ import annotations

import threading

from .errors import InsufficientCredits


class Ledger:
    def __init__(self, insufficient_status: int = 402) -> None:
        self._balances: dict[str, int] = {}
        self._lock = threading.Lock()
        self._insufficient_status = insufficient_status

    def open(self, account_id: str, credits: int) -> None:
        with self._lock:
            self._balances[account_id] = credits

    def balance(self, account_id: str) -> int:
        return self._balances[account_id]

    def reserve(self, account_id: str, cost: int) -> None:
        """Take `cost` now, or raise InsufficientCredits and take nothing."""
        with self._lock:
            current = self._balances[account_id]
            if current < cost:
                raise InsufficientCredits(
                    f"This generation costs {cost} credits; the balance is {current}.",
                    status=self._insufficient_status,
                )
            self._balances[account_id] = current - cost

    def refund(self, account_id: str, amount: int) -> None:
        with self._lock:
            self._balances[account_id] += amount

    def set(self, account_id: str, credits: int) -> None:
        with self._lock:
            self._balances[account_id] = credits
