"""The control plane for webhook receivers: every request sent (with its answer), redelivery,
pause and resume, seeded fault rules, and the endpoints with their secrets.

Plain Python over the backend on `holder.backend` and the app's dispatcher; the `/_mock/webhooks`
routes and `MockServer` both call it. Reset (a new backend) clears all of it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..control_input import invalid, whole
from ..errors import NotFound
from .faults import WebhookFaultRule, parse_webhook_rule
from .store import Webhooks
from .views import delivery_json, endpoint_json


class WebhookControl:
    def __init__(self, holder: Any) -> None:
        self._holder = holder

    @property
    def store(self) -> Webhooks:
        return self._holder.backend.webhooks

    @property
    def _dispatcher(self) -> Any:
        return getattr(self._holder, "dispatcher", None)  # none without an app

    def deliver_due(self) -> None:
        """Every webhook attempt due now is made once before this returns."""
        if self._dispatcher is not None:
            self._dispatcher.drain()

    def _wake(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.wake()

    def deliveries(
        self,
        endpoint: str | None = None,
        event: str | None = None,
        delivery: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Every request sent, oldest first, with its response (or the error), filtered."""
        if limit is not None:
            whole(limit, "limit")
        with self.store.lock:
            sent = [
                s
                for s in self.store.sends
                if endpoint in (None, s["endpoint_id"])
                and event in (None, s["event_id"])
                and delivery in (None, s["delivery_id"])
            ]
        return sent[-limit:] if limit else sent

    def endpoints(self) -> list[dict[str, Any]]:
        """Every endpoint of every account, with its account and the secrets in force."""
        store = self.store
        now = store.clock.now()
        with store.lock:
            return [
                endpoint_json(e, with_secret=True)
                | {"account": e.account_id, "signing_secrets": e.signing_secrets(now)}
                for e in store.endpoints.values()
            ]

    def redeliver(self, delivery_id: Any) -> dict[str, Any]:
        """Send the event of an attempt again, now, to the same endpoint; returns the new attempt."""
        store = self.store
        found = store.find_delivery(delivery_id) if isinstance(delivery_id, str) else None
        if found is None:
            raise NotFound(
                f"No webhook delivery {delivery_id!r}.", rule="control_delivery_not_found"
            )
        again = store.redeliver(found)
        self.deliver_due()
        return delivery_json(again)

    def pause(self) -> dict[str, Any]:
        """Hold every attempt (they stay pending) until `resume`."""
        self.store.paused = True
        return {"paused": True}

    def resume(self) -> dict[str, Any]:
        self.store.paused = False
        self._wake()
        return {"paused": False}

    def release(self) -> dict[str, Any]:
        """Let every attempt held back by a `hold_back` fault go now."""
        self.store.release_held()
        self._wake()
        return {"released": True}

    def add_alias(self, host: Any, to: Any) -> dict[str, Any]:
        """Send deliveries for endpoints on `host` to the base URL `to` instead (e.g. a receiver
        on this machine behind a public-looking https URL, under webhook_urls=public)."""
        if not isinstance(host, str) or not host or "/" in host or ":" in host:
            raise invalid("host: must be a host name (no scheme, port or path)")
        parts = urlsplit(to) if isinstance(to, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise invalid("to: must be an http(s) base URL, e.g. http://127.0.0.1:9000")
        with self.store.lock:
            self.store.aliases[host.lower().rstrip(".")] = f"{parts.scheme}://{parts.netloc}"
        return self.aliases()

    def aliases(self) -> dict[str, Any]:
        return {"aliases": dict(self.store.aliases)}

    def clear_aliases(self) -> dict[str, Any]:
        with self.store.lock:
            self.store.aliases.clear()
        return self.aliases()

    def add_fault(self, rule: dict[str, Any] | WebhookFaultRule) -> dict[str, Any]:
        parsed = rule if isinstance(rule, WebhookFaultRule) else parse_webhook_rule(rule)
        return self.store.faults.add(parsed).to_json()

    def faults(self) -> list[dict[str, Any]]:
        return [rule.to_json() for rule in self.store.faults.rules]

    def clear_faults(self) -> dict[str, Any]:
        self.store.faults.clear()
        return {"faults": []}

    def state(self) -> dict[str, Any]:
        store = self.store
        with store.lock:
            return {
                "paused": store.paused,
                "pending": [delivery_json(d) | {"held": d.held} for d in store.pending.values()],
                "faults": self.faults(),
            }
