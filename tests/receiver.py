"""A webhook receiver for the tests, built on the standard library: a real socket on 127.0.0.1
that records every request and answers what the test tells it to."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver:
    """`url` takes POSTs; `statuses` is what to answer, in turn (then 200); `gate`, when set, is
    waited for before answering (a slow receiver)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.statuses: list[int] = []
        self.headers_out: dict[str, str] = {}
        self.gate: threading.Event | None = None
        self.body_gate: threading.Event | None = None  # when set: headers at once, body after it
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                with receiver.arrived:
                    receiver.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    receiver.arrived.notify_all()
                if receiver.gate is not None:
                    receiver.gate.wait(10)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                for name, value in receiver.headers_out.items():
                    self.send_header(name, value)
                self.send_header("content-length", "2")
                self.end_headers()
                if receiver.body_gate is not None:  # the status now, the body later
                    self.wfile.write(b"o")
                    self.wfile.flush()
                    receiver.body_gate.wait(10)
                    self.wfile.write(b"k")
                    return
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # the fake hung up on a slow answer: that is the test's point

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.gate is not None:
            self.gate.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Block until `count` requests have arrived (a condition, not a sleep)."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
        return list(self.received)
