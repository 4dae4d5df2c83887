"""Fakes that each break exactly one documented rule, so the contract kit can be seen to fail.

Each is a wrapper around the real fake (`mockserver.app.create_app`): an ASGI middleware that
rewrites a request or a response (`rewriting`), or one patched backend method. Those that show
only under parallel requests live in `broken_races`, those of the Files API in `broken_uploads`;
`BROKEN` below lists them all. All take `(profile, clock)`,
the signature `contract_tests.run(app_factory=…)` expects.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from broken_races import (
    loses_reservations_under_parallel_creates,
    overspends_under_parallel_creates,
    parallel_same_key_creates_two_tasks,
)
from broken_uploads import (
    audio_has_the_video_limit,
    declared_type_matters,
    video_has_the_image_limit,
)
from rewriting import (
    TASK_PATH,
    Json,
    Rewrite,
    error_rewriter,
    header,
    is_task,
    json_body,
    request_json,
    set_header,
    task_rewriter,
    wrap,
)

from mockserver.app import create_app
from mockserver.catalog import catalog

# The broken rules, one per factory.


def wrong_reservation() -> Callable:
    def change(scope: dict, task: dict) -> None:
        task["reserved_credits"] += 1

    return wrap(on_response=task_rewriter(change))


def accepts_over_long_prompt() -> Callable:
    def change(scope: dict, data: Json) -> tuple[dict, Json]:
        named = data.get("model") if isinstance(data, dict) else None
        model = catalog().get(named) if isinstance(named, str) else None
        if model and isinstance(data.get("prompt"), str):
            data["prompt"] = data["prompt"][: model.max_prompt_length]
        return scope, data

    return wrap(on_request=request_json(change))


def accepts_extra_top_level_key() -> Callable:
    known = {"model", "prompt", "params", "client_request_id"}

    def change(scope: dict, data: Json) -> tuple[dict, Json]:
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k in known}
        return scope, data

    return wrap(on_request=request_json(change))


def replay_creates_a_new_task() -> Callable:
    def on_request(scope: dict, body: bytes) -> tuple[dict, bytes]:
        return set_header(scope, b"idempotency-key", None), body

    return wrap(on_request=on_request)


def missing_request_id() -> Callable:
    def change(scope: dict, status: int, body: dict) -> int:
        body["error"].pop("requestId", None)
        return status

    return wrap(on_response=error_rewriter(change))


def envelope_with_extra_keys() -> Callable:
    def change(scope: dict, status: int, body: dict) -> int:
        body["error"]["status"] = status
        return status

    return wrap(on_response=error_rewriter(change))


def wrong_auth_code() -> Callable:
    def change(scope: dict, status: int, body: dict) -> int:
        if body["error"]["code"] == "api_key_invalid":
            body["error"]["code"] = "api_key_missing"
        return status

    return wrap(on_response=error_rewriter(change))


def unknown_id_is_a_server_error() -> Callable:
    def change(scope: dict, status: int, body: dict) -> int:
        if status == 404 and TASK_PATH.match(scope["path"]):
            body["error"]["code"] = "internal_error"
            return 500
        return status

    return wrap(on_response=error_rewriter(change))


def unknown_file_is_ok() -> Callable:
    def change(scope: dict, status: int, body: dict) -> int:
        return 200 if status == 404 and scope["path"].startswith("/api/v1/files/") else status

    return wrap(on_response=error_rewriter(change))


def validation_with_another_status() -> Callable:
    def change(scope: dict, status: int, body: dict) -> int:
        return 422 if status == 400 else status

    return wrap(on_response=error_rewriter(change))


def insufficient_credits_with_another_code() -> Callable:
    def change(scope: dict, status: int, body: dict) -> int:
        if body["error"]["code"] == "insufficient_credits":
            body["error"]["code"] = "validation_failed"
        return status

    return wrap(on_response=error_rewriter(change))


def created_at_changes() -> Callable:
    def change(scope: dict, task: dict) -> None:
        if scope["method"] == "GET":
            task["created_at"] = task["updated_at"]

    return wrap(on_response=task_rewriter(change))


def status_goes_backwards() -> Callable:
    polls: dict[str, int] = defaultdict(int)

    def change(scope: dict, task: dict) -> None:
        if scope["method"] != "GET":
            return
        polls[task["id"]] += 1
        if polls[task["id"]] == 2:
            task.update(status="queued", result=None, error=None, final_credits=0)

    return wrap(on_response=task_rewriter(change))


def primary_url_is_not_the_first() -> Callable:
    def change(scope: dict, task: dict) -> None:
        if task["result"]:
            task["result"]["primary_url"] = task["result"]["urls"][0] + "?primary"

    return wrap(on_response=task_rewriter(change))


def final_credits_wrong_on_success() -> Callable:
    def change(scope: dict, task: dict) -> None:
        if task["status"] == "succeeded":
            task["final_credits"] = 0

    return wrap(on_response=task_rewriter(change))


def created_task_is_not_queued() -> Callable:
    def change(scope: dict, task: dict) -> None:
        if scope["method"] == "POST":
            task["status"] = "processing"

    return wrap(on_response=task_rewriter(change))


def models_list_misses_a_field() -> Callable:
    def rewrite(scope: dict, status: int, body: Json) -> tuple[int, Json]:
        if scope["path"] == "/api/v1/models" and isinstance(body, dict):
            for model in body.get("data", []):
                model.pop("runtime", None)
        return status, body

    return wrap(on_response=json_body(rewrite))


def cross_account_visibility() -> Callable:
    creators: dict[str, str] = {}

    def on_request(scope: dict, body: bytes) -> tuple[dict, bytes]:
        match = TASK_PATH.match(scope["path"])
        if match and match.group(1) in creators:
            scope = set_header(scope, b"authorization", creators[match.group(1)])
        return scope, body

    def change(scope: dict, task: dict) -> None:
        if scope["method"] == "POST":
            creators[task["id"]] = header(scope, b"authorization") or ""

    return wrap(on_request=on_request, on_response=task_rewriter(change))


def credits_not_reserved() -> Callable:
    reserved: dict[str, int] = defaultdict(int)
    seen: set[str] = set()

    def rewrite(scope: dict, status: int, body: Json) -> tuple[int, Json]:
        key = header(scope, b"authorization") or ""
        if is_task(body) and scope["method"] == "POST" and body["id"] not in seen:
            seen.add(body["id"])
            reserved[key] += body["reserved_credits"]
        if (
            scope["path"] == "/api/v1/credits"
            and isinstance(body, dict)
            and "current_credits" in body
        ):
            body["current_credits"] += reserved[key]
        return status, body

    return wrap(on_response=json_body(rewrite))


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

    return wrap(on_response=json_body(rewrite))


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

    return wrap(on_response=json_body(rewrite))


def finished_task_changes_later() -> Callable:
    """updated_at follows the poll once a task has finished (the time of the poll, a classic)."""

    def factory(profile: Any, clock: Any) -> Any:
        from mockserver.clock import format_timestamp

        def change(scope: dict, task: dict) -> None:
            if scope["method"] == "GET" and task["status"] in ("succeeded", "failed"):
                task["updated_at"] = format_timestamp(clock.now())

        return Rewrite(create_app(profile, clock=clock), on_response=task_rewriter(change))

    return factory


def refund_only_when_polled() -> Callable:
    """GET /credits does not settle failed tasks: the refund waits for someone to poll."""

    def factory(profile: Any, clock: Any) -> Any:
        app = create_app(profile, clock=clock)
        backend = app.state.backend
        backend.get_credits = lambda account_id: backend.ledger.balance(account_id)
        return app

    return factory


def two_result_urls() -> Callable:
    def change(scope: dict, task: dict) -> None:
        if task["result"]:
            task["result"]["urls"].append(task["result"]["urls"][0] + "?copy")

    return wrap(on_response=task_rewriter(change))


def _params_rewriter(accept: Callable[[str, str, tuple[str, ...]], bool]) -> Callable:
    """Params values for which `accept(key, value, options)` holds become the default (accepted)."""

    def change(scope: dict, data: Json) -> tuple[dict, Json]:
        model = catalog().get(data.get("model")) if isinstance(data, dict) else None
        params = data.get("params") if model else None
        if model and isinstance(params, dict):
            for param in model.params:
                value = params.get(param.key)
                wrong = isinstance(value, str) and value not in param.options
                if wrong and accept(param.key, value, param.options):
                    params.pop(param.key)
        return scope, data

    return wrap(on_request=request_json(change))


def accepts_any_ratio() -> Callable:
    return _params_rewriter(lambda key, value, options: re.fullmatch(r"\d+:\d+", value) is not None)


def accepts_another_models_option() -> Callable:
    every = {o for m in catalog().values() for p in m.params for o in p.options}
    return _params_rewriter(lambda key, value, options: value in every)


def accepts_case_variants_of_options() -> Callable:
    return _params_rewriter(
        lambda key, value, options: value.lower() in {o.lower() for o in options}
    )


def accepts_case_variants_of_model_ids() -> Callable:
    def change(scope: dict, data: Json) -> tuple[dict, Json]:
        if isinstance(data, dict) and isinstance(data.get("model"), str):
            data["model"] = {m.lower(): m for m in catalog()}.get(
                data["model"].lower(), data["model"]
            )
        return scope, data

    return wrap(on_request=request_json(change))


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
    "overspends under parallel creates": (overspends_under_parallel_creates, "overspend"),
    "loses reservations under parallel creates": (
        loses_reservations_under_parallel_creates,
        "each_reserve",
    ),
    "parallel creates with one key make two tasks": (
        parallel_same_key_creates_two_tasks,
        "one_key_make_one_task",
    ),
    "a finished task changes later": (finished_task_changes_later, "never_changes"),
    "refund only when the task is polled": (refund_only_when_polled, "test_failed_task"),
    "two result URLs": (two_result_urls, "test_default_request"),
    "declared part type matters": (declared_type_matters, "declared_part_type"),
    "video has the image limit": (video_has_the_image_limit, "video_over_the_image_limit"),
    "audio has the video limit": (audio_has_the_video_limit, "oversize_audio"),
    "accepts a ratio that is not an option": (accepts_any_ratio, "ratio"),
    "accepts another model's option": (accepts_another_models_option, "another"),
    "accepts a case variant of an option": (accepts_case_variants_of_options, "case and option"),
    "accepts a case variant of a model id": (accepts_case_variants_of_model_ids, "exact"),
}
