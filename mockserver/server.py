"""Serving the fake over real HTTP: uvicorn on a socket we bind ourselves (TCP_NODELAY on).

The protocol is `protocol.FakeHttpProtocol` (header limit, body timeout, lingering close), and
shutdown is bounded: whatever clients do, the server stops within GRACEFUL_SECONDS.
"""

from __future__ import annotations

import gc
import socket
import threading
from typing import Any

import uvicorn

from .protocol import BODY_TIMEOUT, protocol_class

GRACEFUL_SECONDS = 3  # after SIGTERM/SIGINT, requests still running get this long, then stop
FULL_PASS_EVERY = 100  # middle collector passes between full ones (CPython's default: 10)


def keep_full_collections_short() -> None:
    """Take what exists at start-up out of the collector's full passes (gc.freeze), once.

    Modules, schemas, validators and the app live as long as the process and hold no request
    data, so freezing them leaks nothing, and every later full pass walks ~30,000 fewer objects.
    Nothing is frozen later: an object frozen while a request or a connection was alive (uvicorn
    keeps each connection's last scope, with its headers) would keep that data for ever once it
    became cyclic garbage, which is how malformed requests once leaked (issue 10). Stored tasks
    are one tracked object each (kept journal records and idempotency answers are plain tuples,
    which the collector stops watching).

    Full passes: CPython starts one after ten middle passes once the long-lived objects grew by
    a quarter; here after FULL_PASS_EVERY middle passes (~770,000 net allocations). Every full
    pass walks every stored task, and at the default a fake filling up with tasks walked them
    all every ~15,000 creates (~3 us of CPU a create served, at 100,000+ tasks). Cyclic garbage
    still counts towards the passes, so what reaches the oldest generation is still collected
    (`python -m bench soak`: 80,000 malformed requests grow the process by the same ~2 MiB).
    Call it after building the app and before serving; it changes the collector for the whole
    process (the CLI's).
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_PASS_EVERY)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket with Nagle off, so early errors and closes are not delayed or lost."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=2048)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def base_url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server, which tells the app's webhook dispatcher to stop as its shutdown
    begins: an `advance` waiting on a slow receiver then answers at once, instead of being
    cancelled after the grace period (uvicorn answers that with a plain-text 500)."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        dispatcher = getattr(getattr(self.config.app, "state", None), "dispatcher", None)
        if dispatcher is not None:
            dispatcher.begin_stop()
        await super().shutdown(sockets)


def uvicorn_server(
    app: Any, log_level: str = "warning", *, body_timeout: float = BODY_TIMEOUT
) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        http=protocol_class(app, body_timeout=body_timeout),
        log_level=log_level,
        lifespan="on",  # starts and stops the webhook dispatcher
        ws="none",  # no WebSocket routes: an upgrade request is an ordinary request
        access_log=False,
        server_header=False,
        date_header=True,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    return _Server(config)


class ServerThread:
    """Runs an ASGI app under uvicorn in a daemon thread on 127.0.0.1 (port 0 = any free port)."""

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
        *,
        body_timeout: float = BODY_TIMEOUT,
    ) -> None:
        self.app = app
        self.socket = bind_socket(host, port)
        self.url = base_url_of(self.socket)
        self._server = uvicorn_server(app, log_level, body_timeout=body_timeout)
        self._thread = threading.Thread(target=self._run, daemon=True, name="rivya-mock-server")

    def _run(self) -> None:
        self._server.run(sockets=[self.socket])

    def start(self) -> ServerThread:
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("rivya-mock failed to start")
            self._thread.join(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.socket.close()
