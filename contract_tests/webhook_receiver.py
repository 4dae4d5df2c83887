"""The kit's webhook receiver: it records every delivery and can answer 500 on purpose.

In-process it is an ASGI app the built-in fake delivers to with no socket; against a base URL it
listens on 127.0.0.1 (`--webhook-receiver-port`) behind the public URL the user's tunnel gives
(`--webhook-receiver-url`). Signatures are checked with the `standardwebhooks` library.
"""

from __future__ import annotations

import base64
import functools
import hmac
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from standardwebhooks import Webhook
from starlette.types import Receive, Scope, Send

IN_PROCESS_URL = "https://receiver.rivya-contract.invalid/hook"


@dataclass
class Arrival:
    headers: dict[str, str]
    body: bytes
    status: int

    @functools.cached_property
    def event(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def task_id(self) -> Any:
        """The event's `data.id` (the task it is about), or None."""
        data = self.event.get("data") if isinstance(self.event, dict) else None
        return data.get("id") if isinstance(data, dict) else None


def signed_with(secret: str, arrival: Arrival) -> bool:
    """One `v1` signature of the delivery is the Standard Webhooks signature with `secret`, at the
    delivery's own `webhook-timestamp` (the target's clock may differ from ours)."""
    headers = arrival.headers
    try:
        stamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
        expected = Webhook(secret).sign(headers["webhook-id"], stamp, arrival.body.decode())
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


class KitReceiver:
    def __init__(self) -> None:
        self.arrivals: list[Arrival] = []
        self.failing: set[str] = set()  # task ids: each delivery's first attempt gets a 500
        self._failed: set[str] = set()
        self._arrived = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        webhook_id = headers.get("webhook-id", "")
        arrival = Arrival(headers, body, 200)
        task_id = arrival.task_id  # the body is parsed before the lock
        with self._arrived:  # decided under the lock: two copies at once get one 500 between them
            if task_id in self.failing and webhook_id not in self._failed:
                arrival.status = 500
                self._failed.add(webhook_id)
            self.arrivals.append(arrival)
            self._arrived.notify_all()
        return arrival.status

    def about(self, task_id: str) -> list[Arrival]:
        with self._arrived:
            return [a for a in self.arrivals if a.task_id == task_id]

    def wait_about(self, task_id: str, count: int, timeout: float) -> list[Arrival]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.about(task_id)) >= count, timeout)
        return self.about(task_id)

    # -- in-process: an ASGI app --------------------------------------------------------------

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        status = self.answer(headers, b"".join(chunks))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def transport(self) -> httpx.AsyncBaseTransport:
        return httpx.ASGITransport(app=self.app)

    # -- over a socket ------------------------------------------------------------------------

    def serve(self, port: int) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                self.send_response(receiver.answer(headers, body))
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def port(self) -> int | None:
        return self._server.server_address[1] if self._server else None

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
