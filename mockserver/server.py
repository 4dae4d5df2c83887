"""Serving the fake over real HTTP: uvicorn on a socket we bind ourselves (TCP_NODELAY on)."""

from __future__ import annotations

import gc
import socket
import threading
from typing import Any

import uvicorn


def _freeze_survivors(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


def keep_full_collections_short() -> None:
    """After each full GC pass, move its survivors out of the collector's sight (gc.freeze).

    Stored tasks live as long as the server, yet every full pass walked all of them: with 100,000
    tasks a pass stopped the server for ~190 ms and set the p99 of creates. Right after a full pass
    the survivors are live objects, so freezing them leaks nothing that was garbage then. Only for
    a process that serves the fake (the CLI): it changes the collector for the whole process.
    """
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)


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


def uvicorn_server(app: Any, log_level: str = "warning") -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        log_level=log_level,
        lifespan="on",  # starts and stops the webhook dispatcher
        access_log=False,
        server_header=False,
        date_header=True,
    )
    return uvicorn.Server(config)


class ServerThread:
    """Runs an ASGI app under uvicorn in a daemon thread on 127.0.0.1 (port 0 = any free port)."""

    def __init__(
        self, app: Any, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"
    ) -> None:
        self.app = app
        self.socket = bind_socket(host, port)
        self.url = base_url_of(self.socket)
        self._server = uvicorn_server(app, log_level)
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
