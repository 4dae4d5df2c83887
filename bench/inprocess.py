"""In-process cost: microseconds per create and per poll with the ASGI app called directly (no
client, no sockets), for the fake and for a bare Starlette route answering the fake's own bytes
(`bench/ceiling.py`); also the create+poll pair through httpx's ASGI transport and TestClient.

`python -m bench.inprocess --requests N` prints one `BENCH_JSON {...}` line;
`python -m bench.inprocess --profile create|poll` prints where one route's time goes (cProfile). The fake and the bare
route run in interleaved rounds, back to back, so a burst of other work on the core hurts both
alike: each figure is the median of its round means, and each ratio the median of the rounds'
own ratios (every round is in the record too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import warnings
from typing import Any

import httpx

from bench.ceiling import create_ceiling_app
from bench.load import COUNTER, MARK
from bench.workload import AUTH, LOAD_KNOBS, VARIED_BODY

ROUNDS = 15
ROUTES = ("create", "poll", "keyed_create")
HOST = "127.0.0.1:8000"


def make_app():
    from mockserver.app import create_app
    from mockserver.profile import Profile, apply_knobs

    return create_app(apply_knobs(Profile(), LOAD_KNOBS), seed=1)


# -- the ASGI app called directly ---------------------------------------------------------------


def _scope(method: str, path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """What uvicorn would hand the app for this request."""
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw.append((b"host", HOST.encode()))
    if body:
        raw.append((b"content-length", str(len(body)).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw,
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "state": {},
    }


async def call(app, method: str, path: str, headers: dict[str, str], body: bytes = b""):
    """One request straight into the ASGI app: (seconds spent, status, response body)."""
    scope = _scope(method, path, headers, body)
    inbox = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive() -> dict:
        return inbox.pop() if inbox else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    began = time.perf_counter()
    await app(scope, receive, send)
    spent = time.perf_counter() - began
    return spent, sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


CREATE_HEADERS = AUTH | {"Content-Type": "application/json"}


async def _round(app, requests: int, start: int, poll_path: str | None) -> tuple[float, ...]:
    """Mean seconds per create, per poll and per create with an `Idempotency-Key` (as the load
    runs send) over `requests` of each. poll_path None: poll the task each create made; else that
    fixed path, for the bare route."""
    create = poll = keyed = 0.0
    for n in range(start, start + requests):
        body = VARIED_BODY.replace(COUNTER, str(n)).encode()
        spent, status, made = await call(app, "POST", "/api/v1/generations", CREATE_HEADERS, body)
        assert status == 202, made
        create += spent
        path = poll_path or f"/api/v1/generations/{json.loads(made)['id']}"
        spent, status, got = await call(app, "GET", path, AUTH)
        assert status == 200, got
        poll += spent
        headers = CREATE_HEADERS | {"Idempotency-Key": f"inprocess-{n}"}
        body = VARIED_BODY.replace(COUNTER, f"{n}-keyed").encode()
        spent, status, made = await call(app, "POST", "/api/v1/generations", headers, body)
        assert status == 202, made
        keyed += spent
    return create / requests, poll / requests, keyed / requests


async def _canned(fake) -> dict[str, bytes]:
    """The fake's own create and poll bodies, for the bare route to answer."""
    _, _, made = await call(
        fake,
        "POST",
        "/api/v1/generations",
        CREATE_HEADERS,
        b'{"model":"gpt-image-2","prompt":"canned","params":{"resolution":"1K"}}',
    )
    task_id = json.loads(made)["id"]
    _, _, got = await call(fake, "GET", f"/api/v1/generations/{task_id}", AUTH)
    return {"create": made, "poll": got}


async def measure_direct(requests: int) -> dict:
    fake = make_app()
    bare = create_ceiling_app(await _canned(fake))
    bare_poll = "/api/v1/generations/task_abcdefghijklmnopqrstuvwx"
    per_round = max(1, requests // ROUNDS)
    await _round(fake, max(50, per_round), 0, None)  # warm caches and validators
    await _round(bare, max(50, per_round), 0, bare_poll)
    rounds: dict[str, list[tuple[float, ...]]] = {"fake": [], "bare": []}
    for number in range(1, ROUNDS + 1):
        rounds["fake"].append(await _round(fake, per_round, number * 1_000_000, None))
        rounds["bare"].append(await _round(bare, per_round, 0, bare_poll))
    result: dict[str, Any] = {"requests_per_round": per_round, "rounds": ROUNDS}
    for name, found in rounds.items():
        for index, route in enumerate(ROUTES):
            result[f"{name}_{route}_us"] = round(
                statistics.median(r[index] for r in found) * 1e6, 1
            )
            result[f"{name}_{route}_rounds_us"] = [round(r[index] * 1e6, 1) for r in found]
    for index, route in enumerate(ROUTES):
        pairs = zip(rounds["fake"], rounds["bare"], strict=True)
        result[f"{route}_ratio"] = round(
            statistics.median(f[index] / b[index] for f, b in pairs), 2
        )
    return result


async def _profiled(route: str, requests: int) -> None:
    import cProfile
    import pstats

    fake = make_app()
    await _round(fake, 200, 0, None)  # warm up
    _, _, made = await call(
        fake, "POST", "/api/v1/generations", CREATE_HEADERS, VARIED_BODY.encode()
    )
    poll_path = f"/api/v1/generations/{json.loads(made)['id']}"
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(requests):
        if route == "create":  # as the load runs send it: its own prompt and Idempotency-Key
            body = VARIED_BODY.replace(COUNTER, str(n)).encode()
            headers = CREATE_HEADERS | {"Idempotency-Key": f"profile-{n}"}
            await call(fake, "POST", "/api/v1/generations", headers, body)
        else:
            await call(fake, "GET", poll_path, AUTH)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


# -- through a client ----------------------------------------------------------------------------


async def _pairs_async(client: httpx.AsyncClient, pairs: int, start: int) -> tuple[float, float]:
    """Total seconds spent in `pairs` creates and in their polls."""
    create = poll = 0.0
    for n in range(start, start + pairs):
        body = VARIED_BODY.replace(COUNTER, str(n))
        began = time.perf_counter()
        made = await client.post("/api/v1/generations", content=body, headers=CREATE_HEADERS)
        middle = time.perf_counter()
        got = await client.get(f"/api/v1/generations/{made.json()['id']}", headers=AUTH)
        create, poll = create + middle - began, poll + time.perf_counter() - middle
        assert made.status_code == 202 and got.status_code == 200, (made.text, got.text)
    return create, poll


async def measure_async(pairs: int) -> dict:
    batches_of = 5
    per_batch = max(1, pairs // batches_of)
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://rivya.test") as client:
        await _pairs_async(client, max(20, pairs // 10), 0)  # warm caches and validators
        batches = [
            await _pairs_async(client, per_batch, (i + 1) * 1_000_000) for i in range(batches_of)
        ]
    middle = sorted(batches, key=sum)[len(batches) // 2]
    return {
        "transport": "httpx.ASGITransport",
        "pairs": per_batch * batches_of,
        "create_ms": round(middle[0] / per_batch * 1000, 4),
        "poll_ms": round(middle[1] / per_batch * 1000, 4),
        "pair_ms": round(sum(middle) / per_batch * 1000, 4),
        "batch_pair_ms": [round(sum(b) / per_batch * 1000, 4) for b in batches],
    }


def measure_testclient(pairs: int) -> dict:
    """The same pair through Starlette's sync TestClient, which adds a thread hop per request."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette 1.x nudges towards httpx2 on import
        from starlette.testclient import TestClient

    times = []
    with TestClient(make_app(), base_url="http://rivya.test") as client:
        for n in range(pairs):
            body = VARIED_BODY.replace(COUNTER, str(n))
            began = time.perf_counter()
            made = client.post("/api/v1/generations", content=body, headers=CREATE_HEADERS)
            client.get(f"/api/v1/generations/{made.json()['id']}", headers=AUTH)
            times.append(time.perf_counter() - began)
    return {"testclient_pair_ms": round(statistics.median(times) * 1000, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess")
    parser.add_argument("--requests", type=int, default=7500, help="creates (and polls) per app")
    parser.add_argument("--pairs", type=int, default=2000, help="pairs through the clients")
    parser.add_argument("--profile", choices=["create", "poll"], help="profile one route instead")
    args = parser.parse_args()
    if args.profile:
        asyncio.run(_profiled(args.profile, args.requests))
        return
    result = asyncio.run(measure_async(args.pairs))
    result["direct"] = asyncio.run(measure_direct(args.requests))
    result |= measure_testclient(max(1, args.pairs // 4))
    print(MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
