"""A rivya-mock's control plane (`/_mock`), when the target has one: the kit moves its clock instead
of sleeping, makes the accounts it was not given, and lets its own accounts off the rate limit.

Found by one harmless probe, `POST /_mock/clock/advance {"seconds": 0}`. A real Rivya target has
no such route, so nothing here is ever sent to it after the probe's 404.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import httpx

MAIN_CREDITS = 1_000_000  # the kit's own accounts on a fake: enough never to be the limit
ROLE_CREDITS = {"second": 1000, "empty": 0, "revoked": 1000, "free": MAIN_CREDITS}


class ControlPlane:
    """The few control operations the kit uses, each sent with the control token when given."""

    def __init__(self, client: httpx.Client, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.lifted: list[str] = []
        self.made: list[str] = []

    def _send(self, method: str, path: str, body: Any) -> httpx.Response:
        return self.client.request(method, "/_mock" + path, json=body, headers=self.headers)

    def probe(self) -> int | None:
        """The probe's status (200: a control plane), or None when nothing answered."""
        try:
            return self._send("POST", "/clock/advance", {"seconds": 0}).status_code
        except httpx.HTTPError:
            return None

    def advance(self, seconds: float) -> None:
        self._send("POST", "/clock/advance", {"seconds": seconds}).raise_for_status()

    def make_account(self, role: str, credits: int | None = None) -> str | None:
        """A new account for `role` (credits by ROLE_CREDITS; revoked for "revoked"); its key."""
        key = f"rvya_sk_contract_{role}_{uuid.uuid4().hex[:12]}"
        credits = ROLE_CREDITS[role] if credits is None else credits
        made = self._send("POST", "/accounts", {"credits": credits, "key": key})
        if made.status_code != 201:
            return None
        if role == "revoked":
            revoked = self._send("PATCH", f"/keys/{key}", {"revoked": True})
            if revoked.status_code != 200:
                return None
        self.made.append(role)
        return key

    def make_scoped_key(self, scopes: list[str]) -> str | None:
        """A new account whose one key has only `scopes` (scope checks); its key."""
        key = f"rvya_sk_contract_scoped_{uuid.uuid4().hex[:12]}"
        made = self._send("POST", "/accounts", {"credits": 0, "key": key, "scopes": scopes})
        return key if made.status_code == 201 else None

    def alias_webhook_host(self, host: str, to: str) -> bool:
        """Ask the fake to deliver webhooks for `host` to `to` (False: it cannot)."""
        return self._send("POST", "/webhooks/aliases", {"host": host, "to": to}).status_code == 201

    def lift_rate_limit(self, key: str) -> bool:
        """Let the key's account off the rate limit for this run (False: the fake cannot)."""
        lifted = self._send("PUT", f"/accounts/{key}/rate-limit", {"enabled": False})
        if lifted.status_code == 200:
            self.lifted.append(key)
        return lifted.status_code == 200

    def restore(self) -> None:
        """Put every account the kit let off back under the rate limit."""
        for key in self.lifted:
            with contextlib.suppress(httpx.HTTPError):
                self._send("PUT", f"/accounts/{key}/rate-limit", {"enabled": True})
        self.lifted.clear()
