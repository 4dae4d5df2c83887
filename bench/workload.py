"""The requests every part of the bench sends: one valid gpt-image-2 create, and its poll."""

from __future__ import annotations

import json

from bench.load import COUNTER, Load

API_KEY = "rvya_sk_benchmark_account_01"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
CREATE_BODY = json.dumps(
    {"model": "gpt-image-2", "prompt": "a lighthouse at dusk", "params": {"resolution": "1K"}},
    separators=(",", ":"),
)
# Under load every create has its own prompt, so no cache keyed by the body can flatter the fake.
VARIED_BODY = CREATE_BODY.replace("at dusk", f"at dusk #{COUNTER}")
# The fake's own knobs for load runs: no rate limit, credits that never run out, tasks done at once.
LOAD_KNOBS = {
    "rate_limit_per_minute": "0",
    "starting_credits": "1000000000",
    "queued_seconds": "0",
    "processing_seconds": "0",
}


def knob_flags(knobs: dict[str, str] = LOAD_KNOBS) -> list[str]:
    return [arg for name, value in knobs.items() for arg in ("--set", f"{name}={value}")]


def create_load(run_id: str) -> Load:
    headers = AUTH | {"Content-Type": "application/json"}
    return Load("POST", "/api/v1/generations", headers, VARIED_BODY, "Idempotency-Key", run_id)


def poll_load(task_id: str) -> Load:
    return Load("GET", f"/api/v1/generations/{task_id}", dict(AUTH))
