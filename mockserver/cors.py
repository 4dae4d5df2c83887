"""CORS for browser apps that call the fake directly (knob `cors_origins`; empty by default).

The real API is server-to-server, so by default the fake sends no CORS header at all. With origins
listed, requests from those origins to the public routes get what browsers need: preflights
(`OPTIONS` with `Access-Control-Request-Method`) are answered, and responses — errors and faults
too — carry `Access-Control-Allow-Origin` and expose `Retry-After` and `Allow`. Requests from other
origins, and the control plane, pass through untouched (an unlisted preflight is then the API's own
405). Starlette's `CORSMiddleware` does the work; this picks it per the profile in force.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware.cors import CORSMiddleware

from .headers import header
from .journal import is_control_path
from .profile import cors_origin_list

EXPOSED = ("Retry-After", "Allow")


class PublicCors:
    """Pure ASGI: hands a listed origin's request to a `CORSMiddleware` built for the profile."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._by_setting: dict[str, CORSMiddleware] = {}

    def _cors(self, setting: str) -> CORSMiddleware:
        cors = self._by_setting.get(setting)
        if cors is None:
            cors = CORSMiddleware(
                self.app,
                allow_origins=cors_origin_list(setting),
                allow_methods=["*"],  # a wrong method is the API's 405, not a failed preflight
                allow_headers=["*"],  # mirrors what was asked: Authorization, Idempotency-Key…
                allow_private_network=True,  # a public page calling a fake on localhost
                expose_headers=EXPOSED,
            )
            self._by_setting = {setting: cors}  # one setting in force at a time
        return cors

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not is_control_path(scope["path"]):
            setting = scope["app"].state.backend.profile.cors_origins
            origin = header(scope, b"origin") if setting else None
            if origin is not None:
                cors = self._cors(setting)
                if cors.is_allowed_origin(origin):
                    await cors(scope, receive, send)
                    return
        await self.app(scope, receive, send)
