"""Memory of many tasks: a fresh process builds the fake, creates N tasks through its ASGI app, reads VmRSS.

`python -m bench.memory --tasks N [--keys] [--via asgi|backend]` prints one `BENCH_JSON {...}` line.
Requests go straight to the ASGI callable (no httpx), so 100,000 of them take seconds yet each takes
the app's whole request path; `--via backend` calls the backend directly instead.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
from pathlib import Path

from bench.load import COUNTER, MARK
from bench.workload import API_KEY, LOAD_KNOBS, VARIED_BODY


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _body(n: int) -> bytes:
    return VARIED_BODY.replace(COUNTER, str(n)).encode()


def _scope(key: str, length: int) -> dict:
    headers = [
        (b"host", b"rivya.test"),
        (b"authorization", f"Bearer {API_KEY}".encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(length).encode()),
    ]
    if key:
        headers.append((b"idempotency-key", key.encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/generations",
        "raw_path": b"/api/v1/generations",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("rivya.test", 80),
    }


async def create_tasks(app, count: int, keys: bool) -> int:
    """POST `count` creates, each with its own prompt; returns how many were answered 202."""
    accepted = 0
    body = b""

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        nonlocal accepted
        if message["type"] == "http.response.start" and message["status"] == 202:
            accepted += 1

    for n in range(count):
        body = _body(n)
        await app(_scope(f"mem-{n}" if keys else "", len(body)), receive, send)
    return accepted


def create_direct(app, count: int) -> int:
    """The same creates as direct backend calls (validation included): the domain's share alone."""
    from mockserver.validation import parse_json, validate_generation

    backend = app.state.backend
    account = backend.authorize(f"Bearer {API_KEY}", "generations:create").account_id
    for n in range(count):
        request = validate_generation(parse_json(_body(n)))
        backend.create_generation(account, request, "http://rivya.test")
    return count


def measure(count: int, keys: bool, via: str) -> dict:
    from mockserver.app import create_app
    from mockserver.profile import Profile, apply_knobs

    app = create_app(apply_knobs(Profile(), LOAD_KNOBS), seed=1)
    asyncio.run(create_tasks(app, 10, keys=False))  # account, validators and caches exist now
    gc.collect()
    baseline = rss_kib()
    began = time.perf_counter()
    if via == "backend":
        accepted = create_direct(app, count)
    else:
        accepted = asyncio.run(create_tasks(app, count, keys))
    elapsed = time.perf_counter() - began
    gc.collect()
    after = rss_kib()
    return {
        "tasks": count,
        "accepted": accepted,
        "idempotency_keys": keys,
        "via": via,
        "seconds": round(elapsed, 2),
        "baseline_rss_mib": round(baseline / 1024, 1),
        "rss_mib": round(after / 1024, 1),
        "bytes_per_task": round((after - baseline) * 1024 / max(count, 1)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory")
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--keys", action="store_true", help="send a distinct Idempotency-Key each")
    parser.add_argument("--via", choices=["asgi", "backend"], default="asgi")
    args = parser.parse_args()
    print(MARK + json.dumps(measure(args.tasks, args.keys, args.via)), flush=True)


if __name__ == "__main__":
    main()
