"""Wire shapes: small functions that turn domain objects into the documented JSON objects."""

from __future__ import annotations

from typing import Any

from .catalog import Model
from .clock import format_timestamp
from .files import StoredFile
from .generations import FAILED, SUCCEEDED, Task

_TAKES_REFERENCES = {
    "supported_modes": ["text-to-image", "image-to-image"],
    "api_input_status": "partial_requires_files",
    "supported_api_inputs": ["text", "file"],
    "requires_upload_for_modes": ["image-to-image"],
}
_TEXT_ONLY = {
    "supported_modes": ["text-to-image"],
    "api_input_status": "available_text",
    "supported_api_inputs": ["text"],
    "requires_upload_for_modes": [],
}


def result_url(task: Task, index: int = 0) -> str:
    return f"{task.base_url}/cdn/results/{task.id}/{index}.png"


def task_json(task: Task, status: str, updated_at: float) -> dict[str, Any]:
    url = result_url(task)
    created = format_timestamp(task.created_at)
    return {
        "id": task.id,
        "status": status,
        "model": task.model.id,
        "reserved_credits": task.reserved_credits,
        "final_credits": task.reserved_credits if status == SUCCEEDED else 0,
        "created_at": created,
        "updated_at": created if updated_at == task.created_at else format_timestamp(updated_at),
        "result": {"primary_url": url, "urls": [url]} if status == SUCCEEDED else None,
        "error": (
            {"code": "generation_failed", "message": task.failure_message}
            if status == FAILED
            else None
        ),
    }


def _reference_media(model: Model, megabyte: int) -> dict[str, Any] | None:
    if not model.takes_references:
        return None
    return {
        "max_files": model.max_references,
        "kinds": list(model.reference_kinds),
        "max_bytes": model.reference_max_bytes(megabyte),
        "mime_types": list(model.reference_mime_types),
    }


def model_json(model: Model, megabyte: int) -> dict[str, Any]:
    modes = _TAKES_REFERENCES if model.takes_references else _TEXT_ONLY
    return {
        "id": model.id,
        "display_name": model.display_name,
        "category": "image",
        "runtime": "async_task",
        "base_credits": model.base_credits,
        "billing_type": "FIXED",
        "supported_modes": modes["supported_modes"],
        "max_prompt_length": model.max_prompt_length,
        "reference_media": _reference_media(model, megabyte),
        "params": [
            {
                "key": p.key,
                "type": "select",
                "required": False,
                "default": p.default,
                "options": list(p.options),
            }
            for p in model.params
        ],
        "api_status": "available",
        "api_input_status": modes["api_input_status"],
        "supported_api_inputs": modes["supported_api_inputs"],
        "requires_files_api": False,
        "requires_upload_for_modes": modes["requires_upload_for_modes"],
        "url_input_supported": False,
        "file_kinds": list(model.reference_kinds),
        "chat_capabilities": None,
        "notices": [],
    }


def models_list_json(models: list[Model], megabyte: int) -> dict[str, Any]:
    return {"object": "list", "data": [model_json(m, megabyte) for m in models]}


def file_url(stored: StoredFile) -> str:
    from urllib.parse import quote

    return f"{stored.base_url}/cdn/files/{stored.id}/{quote(stored.name, safe='')}"


def file_json(stored: StoredFile) -> dict[str, Any]:
    return {
        "id": stored.id,
        "url": file_url(stored),
        "kind": stored.kind,
        "name": stored.name,
        "mime_type": stored.mime_type,
        "size_bytes": stored.size_bytes,
        "duration_seconds": stored.duration_seconds,
        "duration_token": stored.duration_token,
        "created_at": format_timestamp(stored.created_at),
    }


def credits_json(balance: int) -> dict[str, Any]:
    return {"current_credits": balance}


def error_json(code: str, message: str, request_id: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "requestId": request_id}}
