"""The app factory: a fresh backend on `app.state`, one routing list, one place for errors."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from .backend import Backend
from .clock import Clock
from .control import Control
from .control_routes import control_mount
from .cors import PublicCors
from .errors import ApiError, ClientDisconnected, InternalError, NotFound, ValidationFailed
from .faults import FaultMiddleware
from .hot_path import HotPath, RivyaApp
from .journal import JournalMiddleware
from .profile import Profile
from .responses import error_response
from .routes import public_routes
from .webhooks.delivery import Dispatcher
from .webhooks.routes import webhook_routes


class AppState(State):
    """`app.state` whose attributes are ordinary ones. Starlette's State keeps them in a dict that
    only `__getattr__` reaches, after a failed normal lookup (~1 us per read, and every request
    reads `app.state.backend` a few times). Here that dict is the instance's own `__dict__`, so a
    read is a plain attribute hit and State's methods keep working."""

    def __init__(self) -> None:
        super().__init__()
        object.__setattr__(self, "_state", self.__dict__)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(request, exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Step (1): unknown routes and wrong methods, in the envelope (405 keeps its Allow)."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allow = (exc.headers or {}).get("Allow", "")
        error: ApiError = ValidationFailed(
            f"method: {request.method} is not allowed here (allowed: {allow})",
            status=405,
            headers={"Allow": allow},
            rule="method_not_allowed",
        )
    elif exc.status_code == 404:
        error = NotFound(f"No route {request.url.path}.", rule="unknown_route")
    else:
        error = ValidationFailed(str(exc.detail), status=exc.status_code, rule="http")
    return error_response(request, error)


async def _client_gone(request: Request, exc: Exception) -> Response:
    """The client left mid-body: not a server error, and nobody is there to read an answer."""
    return error_response(request, ClientDisconnected())


async def _internal_error(request: Request, exc: Exception) -> Response:
    return error_response(request, InternalError())


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """A served fake's webhook dispatcher lives exactly as long as the server (pitfall 16)."""
    app.state.dispatcher.start()
    try:
        yield
    finally:
        app.state.dispatcher.stop()


def create_app(
    profile: Profile | None = None,
    *,
    seed: int | None = None,
    clock: Clock | None = None,
    backend: Backend | None = None,
    webhook_transport: Any = None,
    control_token: str | None = None,
) -> Starlette:
    """A fake Rivya API. Pass a `backend` to share state, or let one be built from the profile.

    With a `control_token`, every `/_mock` request needs `Authorization: Bearer <token>`.
    `webhook_transport` (an httpx transport, e.g. `httpx.ASGITransport(app=receiver)`) carries
    webhook deliveries instead of the network.
    """
    app = RivyaApp(
        routes=[*public_routes(), *webhook_routes(), control_mount()],
        lifespan=_lifespan,
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
            ClientDisconnect: _client_gone,
            Exception: _internal_error,
        },
    )
    app.router.redirect_slashes = False
    app.state = AppState()
    app.state.backend = backend or Backend(profile, clock=clock, seed=seed)
    app.state.dispatcher = Dispatcher(app.state, webhook_transport)
    app.state.control = control = Control(app.state)
    app.state.control_token = control_token or None
    # added innermost first: the journal sits outside the faults, so it records what each answered
    app.add_middleware(FaultMiddleware, control=control)
    app.add_middleware(JournalMiddleware, control=control)
    app.add_middleware(PublicCors)  # outermost: fault answers carry the CORS headers too
    app.hot_path = HotPath(control)  # creates and polls that none of these layers would touch
    return app
