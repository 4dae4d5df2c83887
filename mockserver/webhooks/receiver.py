"""A webhook receiver for tests (the `rivya_webhooks` fixture): it records every delivery,
verifies its signature with the endpoint's secrets (asked of the fake), and waits for events.

It listens on a free port of 127.0.0.1 once `url` is first read, and in-process at
`IN_PROCESS_URL` through `transport()` (give that to `MockServer(webhook_transport=...)`).
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .endpoints import EVENT_TYPES

IN_PROCESS_HOST = "rivya-webhooks.invalid"
IN_PROCESS_URL = f"http://{IN_PROCESS_HOST}/hook"


@dataclass
class ReceivedDelivery:
    """One request as it arrived, and what the receiver made of it."""

    webhook_id: str
    type: str | None
    data: Any
    headers: dict[str, str]
    body: bytes
    verified: bool
    endpoint_id: str | None = None
    event: dict[str, Any] = field(default_factory=dict)


def signature_matches(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Whether one of the `webhook-signature` values is the Standard Webhooks signature of this
    body with `secret` (at the header's timestamp: the fake's clock may be far from ours)."""
    try:
        stamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
        expected = Webhook(secret).sign(headers["webhook-id"], stamp, body.decode("utf-8"))
    except (KeyError, ValueError, UnicodeDecodeError):
        return False
    wanted = base64.b64decode(expected.split(",", 1)[1])
    for versioned in headers.get("webhook-signature", "").split(" "):
        version, _, signature = versioned.partition(",")
        try:
            if version == "v1" and hmac.compare_digest(wanted, base64.b64decode(signature)):
                return True
        except ValueError:
            continue
    return False


class RoutingTransport(httpx.AsyncBaseTransport):
    """Requests to `host` go to an ASGI app in-process; every other one to the network."""

    def __init__(self, host: str, app: Any) -> None:
        self.host = host
        self._app = httpx.ASGITransport(app=app)
        self._network = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == self.host:
            return await self._app.handle_async_request(request)
        return await self._network.handle_async_request(request)

    async def aclose(self) -> None:
        await self._network.aclose()


class WebhookReceiver:
    """Records deliveries sent by `mock` (a `MockServer`, whose control plane lends the secrets)."""

    def __init__(self, mock: Any = None, *, status: int = 200) -> None:
        self.mock = mock
        self.status = status
        self.deliveries: list[ReceivedDelivery] = []
        self.app = Starlette(routes=[Route("/hook", self._receive, methods=["POST"])])
        self._arrived = threading.Condition()
        self._server: Any = None

    # -- where to send -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The receiver's URL on a free port of 127.0.0.1 (served from the first use)."""
        if self._server is None:
            from ..server import ServerThread

            self._server = ServerThread(self.app).start()
        return f"{self._server.url}/hook"

    in_process_url = IN_PROCESS_URL

    def transport(self) -> RoutingTransport:
        """An httpx transport that brings `in_process_url` here with no socket."""
        return RoutingTransport(IN_PROCESS_HOST, self.app)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    # -- with the fake -------------------------------------------------------------------------

    def subscribe(
        self,
        event_types: list[str] | None = None,
        *,
        in_process: bool = False,
        name: str = "rivya_webhooks",
        key: str | None = None,
    ) -> dict[str, Any]:
        """Create an endpoint on the fake for this receiver (with `mock`'s ready key)."""
        client = self.mock.client(in_process=True, key=key)
        body = {
            "name": name,
            "url": self.in_process_url if in_process else self.url,
            "event_types": list(event_types or EVENT_TYPES),
        }
        answer = client.post("/api/v1/webhooks", json=body)
        client.close()
        if answer.status_code != 201:
            raise AssertionError(
                f"creating the endpoint failed: {answer.status_code} {answer.text}"
            )
        return answer.json()

    def wait_for(
        self, type: str, task_id: str | None = None, timeout: float = 5.0
    ) -> ReceivedDelivery:
        """The first verified delivery of `type` (about `task_id`, if given), once it arrived.

        Attempts due on the fake's clock are made first, so on a manual clock nothing waits.
        """
        if self.mock is not None:
            self.mock.deliver_due()

        def found() -> ReceivedDelivery | None:
            for delivery in self.deliveries:
                about = isinstance(delivery.data, dict) and delivery.data.get("id") == task_id
                if delivery.verified and delivery.type == type and (task_id is None or about):
                    return delivery
            return None

        with self._arrived:
            self._arrived.wait_for(lambda: found() is not None, timeout)
            hit = found()
        if hit is None:
            seen = [(d.type, d.verified) for d in self.deliveries]
            raise AssertionError(f"no verified {type} delivery for {task_id}; received {seen}")
        return hit

    def clear(self) -> None:
        with self._arrived:
            self.deliveries.clear()

    # -- the receiving end ---------------------------------------------------------------------

    def _secrets(self, url: str) -> list[tuple[str, str]]:
        if self.mock is None:
            return []
        path = urlsplit(url).path
        return [
            (endpoint["id"], secret)
            for endpoint in self.mock.webhook_endpoints()
            if urlsplit(endpoint["url"]).path == path
            for secret in endpoint["signing_secrets"]
        ]

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        endpoint_id = next(
            (
                eid
                for eid, s in self._secrets(str(request.url))
                if signature_matches(s, headers, body)
            ),
            None,
        )
        try:
            event = json.loads(body)
        except ValueError:
            event = {}
        event = event if isinstance(event, dict) else {}
        delivery = ReceivedDelivery(
            headers.get("webhook-id", ""),
            event.get("type"),
            event.get("data"),
            headers,
            body,
            endpoint_id is not None,
            endpoint_id,
            event,
        )
        with self._arrived:
            self.deliveries.append(delivery)
            self._arrived.notify_all()
        return Response(status_code=self.status if delivery.verified else 400)
