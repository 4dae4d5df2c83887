"""The ceiling: a bare Starlette app that answers the fake's two hot routes with canned JSON.

It reads the request body (as any server must) but validates nothing, so the gap between it and
the fake on the same HTTP stack is the cost of the fake's own logic.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# Shapes of a real gpt-image-2 task; the bench replaces them with the fake's own bytes when it can.
CANNED_CREATE = {
    "id": "task_abcdefghijklmnopqrstuvwx",
    "status": "queued",
    "model": "gpt-image-2",
    "reserved_credits": 3,
    "final_credits": 0,
    "created_at": "2026-05-11T00:00:00.000Z",
    "updated_at": "2026-05-11T00:00:00.000Z",
    "result": None,
    "error": None,
}
CANNED_POLL = CANNED_CREATE | {
    "status": "succeeded",
    "final_credits": 3,
    "result": {
        "primary_url": "http://127.0.0.1:8000/cdn/results/task_abcdefghijklmnopqrstuvwx/0.png",
        "urls": ["http://127.0.0.1:8000/cdn/results/task_abcdefghijklmnopqrstuvwx/0.png"],
    },
}
CANNED_ENV = "RIVYA_BENCH_CANNED"


def _compact(data: object) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def load_canned() -> dict[str, bytes]:
    """The bodies to serve: from the file named by $RIVYA_BENCH_CANNED, else the built-in ones."""
    path = os.environ.get(CANNED_ENV)
    if path:
        raw = json.loads(Path(path).read_text())
        return {name: body.encode() for name, body in raw.items()}
    return {"create": _compact(CANNED_CREATE), "poll": _compact(CANNED_POLL)}


def create_ceiling_app(canned: dict[str, bytes] | None = None) -> Starlette:
    """The bare app, answering `canned` (create and poll bodies; default: `load_canned()`)."""
    canned = canned or load_canned()

    async def create_generation(request: Request) -> Response:
        await request.body()
        return Response(canned["create"], status_code=202, media_type="application/json")

    async def get_generation(request: Request) -> Response:
        return Response(canned["poll"], media_type="application/json")

    async def list_models(request: Request) -> Response:
        return Response(b'{"object":"list","data":[]}', media_type="application/json")

    return Starlette(
        routes=[
            Route("/api/v1/models", list_models, methods=["GET"]),
            Route("/api/v1/generations", create_generation, methods=["POST"]),
            Route("/api/v1/generations/{task_id}", get_generation, methods=["GET"]),
        ]
    )
