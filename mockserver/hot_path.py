"""The hot path: the two requests clients send most go straight to their operation.

A create (`POST /api/v1/generations`) and a poll (`GET /api/v1/generations/{id}`) are what a
client's loop sends over and over. Through Starlette's whole stack each passes five layers that
have nothing to do for them (the server-error guard, CORS without a listed origin, the fault
layer without a rule, the exception layer, the router), and served, those layers cost about a
quarter of a poll. So `RivyaApp` hands them to `journal -> Operation` directly, which is what the
full stack would run for them anyway:

- the journal records them as it records every public request;
- the `Operation` answers every ApiError and every bug itself (the envelope's 500);
- anything a skipped layer would act on sends the request through the full stack instead:
  a fault rule or chaos, a CORS request from a listed origin, a root path, any other route.

Which route a request takes never changes what it gets: tests/test_hot_path.py sends the same
requests both ways and compares the answers and the journal.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from .headers import header
from .journal import JournalMiddleware
from .routes import create_generation, get_generation

CREATE_PATH = "/api/v1/generations"
POLL_PREFIX = CREATE_PATH + "/"


class HotPath:
    """Picks the journalled operation for a create or a poll that no skipped layer would touch."""

    def __init__(self, control: Any) -> None:
        self.control = control
        self.create = JournalMiddleware(create_generation, control)
        self.poll = JournalMiddleware(get_generation, control)

    def lane(self, scope: dict[str, Any]) -> JournalMiddleware | None:
        """The operation to run for `scope` (its path parameters set), or None: the full stack."""
        if scope["type"] != "http" or scope.get("root_path"):
            return None
        method, path = scope["method"], scope["path"]
        if method == "POST" and path == CREATE_PATH:
            lane, params = self.create, {}
        elif method == "GET" and path.startswith(POLL_PREFIX):
            task_id = path[len(POLL_PREFIX) :]
            if not task_id or "/" in task_id:
                return None
            lane, params = self.poll, {"task_id": task_id}
        else:
            return None
        if self.control.faults.active:
            return None
        if self.control.backend.profile.cors_origins and header(scope, b"origin") is not None:
            return None
        scope["path_params"] = params
        return lane


class RivyaApp(Starlette):
    """Starlette, with creates and polls taking the hot path when nothing else applies."""

    hot_path: HotPath

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        lane = self.hot_path.lane(scope)
        if lane is None:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        await lane(scope, receive, send)
