"""Fakes that each break exactly one documented rule, so the contract kit can be seen to fail.

Each is a wrapper around the real fake (`mockserver.app.create_app`): an ASGI middleware that
rewrites a request or a response, or one patched backend method. All take `(profile, clock)`,
the signature `contract_tests.run(app_factory=…)` expects.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from mockserver.app import create_app
from mockserver.catalog import catalog

Json = Any
TASK_PATH = re.compile(r"^/api/v1/generations/([^/]+)$")


class Rewrite:
    """ASGI middleware: `on_request(scope, body)` may replace scope and body before the fake sees
    them; `on_response(scope, status, body)` may replace status and body on the way back."""

    def __init__(
        self, app: Any, on_request: Callable | None = None, on_response: Callable | None = None
    ) -> None:
        self.app = app
        self.state = app.state
        self.on_request = on_request
        self.on_response = on_response

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if self.on_request:
            scope, body = self.on_request(scope, body)
        sent: dict[str, Any] = {"chunks": []}

        async def replay() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                sent["start"] = message
            elif message["type"] == "http.response.body":
                sent["chunks"].append(message.get("body", b""))

        await self.app(scope, replay, capture)
        start, content = sent["start"], b"".join(sent["chunks"])
        status = start["status"]
        if self.on_response:
            status, content = self.on_response(scope, status, content)
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


async def _read_body(receive: Callable) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _set_header(scope: dict, name: bytes, value: str | None) -> dict:
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != name]
    if value is not None:
        headers.append((name, value.encode("latin-1")))
    return {**scope, "headers": headers}


def _json_body(rewrite: Callable[[dict, int, Json], tuple[int, Json]]) -> Callable:
    """Lift a rewrite of parsed JSON to one of raw response bytes (non-JSON bodies pass as they are)."""

    def on_response(scope: dict, status: int, content: bytes) -> tuple[int, bytes]:
        try:
            body = json.loads(content)
        except ValueError:
            return status, content
        status, body = rewrite(scope, status, body)
        return status, json.dumps(body).encode()

    return on_response


def _is_task(body: Json) -> bool:
    return isinstance(body, dict) and str(body.get("id", "")).startswith("task_")


def _task_rewriter(change: Callable[[dict, dict], None]) -> Callable:
    def rewrite(scope: dict, status: int, body: Json) -> tuple[int, Json]:
        if _is_task(body):
            change(scope, body)
        return status, body

    return _json_body(rewrite)


def _error_rewriter(change: Callable[[dict, int, dict], int]) -> Callable:
    def rewrite(scope: dict, status: int, body: Json) -> tuple[int, Json]:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            status = change(scope, status, body)
        return status, body

    return _json_body(rewrite)


def _request_json(change: Callable[[dict, Json], tuple[dict, Json]]) -> Callable:
    """Rewrite the JSON body of POST /generations before the fake reads it."""

    def on_request(scope: dict, body: bytes) -> tuple[dict, bytes]:
        if scope["method"] != "POST" or scope["path"] != "/api/v1/generations":
            return scope, body
        try:
            data = json.loads(body)
        except ValueError:
            return scope, body
        scope, data = change(scope, data)
        return scope, json.dumps(data).encode()

    return on_request


def _wrap(**hooks: Callable) -> Callable:
    return lambda profile, clock: Rewrite(create_app(profile, clock=clock), **hooks)


# The broken rules, one per factory.


def wrong_reservation() -> Callable:
    def change(scope: dict, task: dict) -> None:
        task["reserved_credits"] += 1

    return _wrap(on_response=_task_rewriter(change))


def accepts_over_long_prompt() -> Callable:
    def change(scope: dict, data: Json) -> tuple[dict, Json]:
        named = data.get("model") if isinstance(data, dict) else None
        model = catalog().get(named) if isinstance(named, str) else None
        if model and isinstance(data.get("prompt"), str):
            data["prompt"] = data["prompt"][: model.max_prompt_length]
        return scope, data

    return _wrap(on_request=_request_json(change))


def accepts_extra_top_level_key() -> Callable:
    known = {"model", "prompt", "params", "client_request_id"}

    def change(scope: dict, data: Json) -> tuple[dict, Json]:
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k in known}
        return scope, data

    return _wrap(on_request=_request_json(change))


def replay_creates_a_new_task() -> Callable:
    def on_request(scope: dict, body: bytes) -> tuple[dict, bytes]:
        return _set_header(scope, b"idempotency-key", None), body

    return _wrap(on_request=on_request)


def missing_request_id() -> Callable:
    def change(scope: dict, status: int, body: dict) -> int:
        body["error"].pop("requestId", None)
        return status

    return _wrap(on_response=_error_rewriter(change))


def envelope_with_extra_keys() -> Callable:
    def change(scope: dict, status: int, body: dict) -> int:
        body["error"]["status"] = status
        return status

    return _wrap(on_response=_error_rewriter(change))


def wrong_auth_code() -> Callable:
    def change(scope: dict, status: int, body: dict) -> int:
        if body["error"]["code"] == "api_key_invalid":
            body["error"]["code"] = "api_key_missing"
        return status

    return _wrap(on_response=_error_rewriter(change))


def unknown_id_is_a_server_error() -> Callable:
    def change(scope: dict, status: int, body: dict) -> int:
        if status == 404 and TASK_PATH.match(scope["path"]):
            body["error"]["code"] = "internal_error"
            return 500
        return status

    return _wrap(on_response=_error_rewriter(change))


def unknown_file_is_ok() -> Callable:
    def change(scope: dict, status: int, body: dict) -> int:
        return 200 if status == 404 and scope["path"].startswith("/api/v1/files/") else status

    return _wrap(on_response=_error_rewriter(change))


def validation_with_another_status() -> Callable:
    def change(scope: dict, status: int, body: dict) -> int:
        return 422 if status == 400 else status

    return _wrap(on_response=_error_rewriter(change))


def insufficient_credits_with_another_code() -> Callable:
    def change(scope: dict, status: int, body: dict) -> int:
        if body["error"]["code"] == "insufficient_credits":
            body["error"]["code"] = "validation_failed"
        return status

    return _wrap(on_response=_error_rewriter(change))


def created_at_changes() -> Callable:
    def change(scope: dict, task: dict) -> None:
        if scope["method"] == "GET":
            task["created_at"] = task["updated_at"]

    return _wrap(on_response=_task_rewriter(change))


def status_goes_backwards() -> Callable:
    polls: dict[str, int] = defaultdict(int)

    def change(scope: dict, task: dict) -> None:
        if scope["method"] != "GET":
            return
        polls[task["id"]] += 1
        if polls[task["id"]] == 2:
            task.update(status="queued", result=None, error=None, final_credits=0)

    return _wrap(on_response=_task_rewriter(change))


def primary_url_is_not_the_first() -> Callable:
    def change(scope: dict, task: dict) -> None:
        if task["result"]:
            task["result"]["primary_url"] = task["result"]["urls"][0] + "?primary"

    return _wrap(on_response=_task_rewriter(change))


def final_credits_wrong_on_success() -> Callable:
    def change(scope: dict, task: dict) -> None:
        if task["status"] == "succeeded":
            task["final_credits"] = 0

    return _wrap(on_response=_task_rewriter(change))


def created_task_is_not_queued() -> Callable:
    def change(scope: dict, task: dict) -> None:
        if scope["method"] == "POST":
            task["status"] = "processing"

    return _wrap(on_response=_task_rewriter(change))


def models_list_misses_a_field() -> Callable:
    def rewrite(scope: dict, status: int, body: Json) -> tuple[int, Json]:
        if scope["path"] == "/api/v1/models" and isinstance(body, dict):
            for model in body.get("data", []):
                model.pop("runtime", None)
        return status, body

    return _wrap(on_response=_json_body(rewrite))


def cross_account_visibility() -> Callable:
    creators: dict[str, str] = {}

    def on_request(scope: dict, body: bytes) -> tuple[dict, bytes]:
        match = TASK_PATH.match(scope["path"])
        if match and match.group(1) in creators:
            scope = _set_header(scope, b"authorization", creators[match.group(1)])
        return scope, body

    def change(scope: dict, task: dict) -> None:
        if scope["method"] == "POST":
            creators[task["id"]] = _header(scope, b"authorization") or ""

    return _wrap(on_request=on_request, on_response=_task_rewriter(change))


def credits_not_reserved() -> Callable:
    reserved: dict[str, int] = defaultdict(int)
    seen: set[str] = set()

    def rewrite(scope: dict, status: int, body: Json) -> tuple[int, Json]:
        key = _header(scope, b"authorization") or ""
        if _is_task(body) and scope["method"] == "POST" and body["id"] not in seen:
            seen.add(body["id"])
            reserved[key] += body["reserved_credits"]
        if (
            scope["path"] == "/api/v1/credits"
            and isinstance(body, dict)
            and "current_credits" in body
        ):
            body["current_credits"] += reserved[key]
        return status, body

    return _wrap(on_response=_json_body(rewrite))


def accepts_any_upload() -> Callable:
    """Uploads the fake refuses (oversize, spoofed type, wrong kind) come back as stored files."""

    def rewrite(scope: dict, status: int, body: Json) -> tuple[int, Json]:
        if scope["path"] == "/api/v1/files" and status == 400:
            stored = {
                "id": "file_" + "a" * 24,
                "url": "http://testserver/cdn/files/file_" + "a" * 24 + "/upload",
                "kind": "image",
                "name": "upload",
                "mime_type": "image/png",
                "size_bytes": 1,
                "duration_seconds": None,
                "duration_token": None,
                "created_at": "2026-01-01T00:00:00.000Z",
            }
            return 201, stored
        return status, body

    return _wrap(on_response=_json_body(rewrite))


def no_refund_on_failure() -> Callable:
    def factory(profile: Any, clock: Any) -> Any:
        app = create_app(profile, clock=clock)
        app.state.backend.ledger.refund = lambda account_id, amount: None
        return app

    return factory


def file_object_named_otherwise() -> Callable:
    """Not broken: the file object's field names are a [decision], so this fake must pass."""

    def rewrite(scope: dict, status: int, body: Json) -> tuple[int, Json]:
        if scope["path"].startswith("/api/v1/files") and isinstance(body, dict) and "id" in body:
            body["mimeType"] = body.pop("mime_type")
            body["sizeBytes"] = body.pop("size_bytes")
        return status, body

    return _wrap(on_response=_json_body(rewrite))


# name -> (builder of a fresh factory, -k expression choosing the checks that should catch it)
BROKEN: dict[str, tuple[Callable[[], Callable], str]] = {
    "wrong reservation": (wrong_reservation, "test_default_request"),
    "accepts an over-long prompt": (accepts_over_long_prompt, "one_over_the_limit"),
    "accepts an extra top-level key": (accepts_extra_top_level_key, "files_key"),
    "replays create a new task": (replay_creates_a_new_task, "test_idempotency"),
    "error without requestId": (missing_request_id, "envelope_names"),
    "envelope with extra keys": (envelope_with_extra_keys, "envelope_names"),
    "wrong auth code": (wrong_auth_code, "test_auth"),
    "unknown id is a 500": (unknown_id_is_a_server_error, "envelope_names"),
    "unknown file is a 200": (unknown_file_is_ok, "test_errors"),
    "validation_failed is not 400": (validation_with_another_status, "files_key"),
    "insufficient_credits has another code": (
        insufficient_credits_with_another_code,
        "test_credits",
    ),
    "created_at changes": (created_at_changes, "test_default_request"),
    "status goes backwards": (status_goes_backwards, "test_default_request"),
    "primary_url is not urls[0]": (primary_url_is_not_the_first, "test_default_request"),
    "final_credits wrong on success": (final_credits_wrong_on_success, "test_default_request"),
    "created task is not queued": (created_task_is_not_queued, "test_default_request"),
    "models list misses a field": (models_list_misses_a_field, "test_catalog"),
    "another account sees the task": (cross_account_visibility, "test_isolation"),
    "credits not reserved": (credits_not_reserved, "test_default_request"),
    "no refund on failure": (no_refund_on_failure, "test_failed_task"),
    "uploads it should refuse are stored": (accepts_any_upload, "spoofed_png or oversize"),
}
