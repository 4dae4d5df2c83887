"""Wire shapes of the control API (`/_mock`): accounts, keys, tasks, files, the clock, outcomes."""

from __future__ import annotations

from typing import Any

from .accounts import ApiKey
from .backend import Backend, ForcedOutcome
from .clock import Clock, format_timestamp
from .files import StoredFile
from .generations import Task


def key_json(api_key: ApiKey) -> dict[str, Any]:
    return {
        "key": api_key.key,
        "account": api_key.account_id,
        "scopes": sorted(api_key.scopes),
        "revoked": api_key.revoked,
        "expired": api_key.expired,
    }


def clock_json(clock: Clock) -> dict[str, Any]:
    now = clock.now()
    return {"now": format_timestamp(now), "epoch_seconds": now}


def forced_json(forced: ForcedOutcome) -> dict[str, Any]:
    return {
        "outcome": forced.outcome,
        "remaining": forced.count,
        "message": forced.message,
        "model": forced.model,
        "prompt_contains": forced.prompt_contains,
        "processing_seconds": forced.processing_seconds,
    }


def account_json(backend: Backend, account_id: str) -> dict[str, Any]:
    keys = [key_json(backend.accounts.keys[k]) for k in backend.accounts.accounts[account_id].keys]
    return {"id": account_id, "credits": backend.get_credits(account_id), "keys": keys}


def task_json(task: Task, now: float) -> dict[str, Any]:
    return {
        "id": task.id,
        "account": task.account_id,
        "model": task.model.id,
        "prompt": task.prompt,
        "params": task.params,
        "client_request_id": task.client_request_id,
        "status": task.status_at(now),
        "outcome": task.outcome,
        "failure_message": task.failure_message,
        "progression": task.progression,
        "polls_per_state": task.polls_per_state,
        "reserved_credits": task.reserved_credits,
        "created_at": format_timestamp(task.created_at),
        "updated_at": format_timestamp(task.updated_at(now)),
    }


def file_json(stored: StoredFile) -> dict[str, Any]:
    return {
        "id": stored.id,
        "account": stored.account_id,
        "kind": stored.kind,
        "name": stored.name,
        "mime_type": stored.mime_type,
        "size_bytes": stored.size_bytes,
        "model": stored.model,
        "client_request_id": stored.client_request_id,
        "created_at": format_timestamp(stored.created_at),
    }
