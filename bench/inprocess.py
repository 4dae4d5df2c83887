"""In-process cost: mean time of one create plus one poll through the ASGI transport, no sockets.

`python -m bench.inprocess --pairs N` prints one `BENCH_JSON {...}` line. The pairs run in five
batches; the figure kept is the median of the batch means, so one batch slowed by another process
on the core does not decide it (all batch means are in the record too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import warnings

import httpx

from bench.load import COUNTER, MARK
from bench.workload import AUTH, LOAD_KNOBS, VARIED_BODY

BATCHES = 5


def make_app():
    from mockserver.app import create_app
    from mockserver.profile import Profile, apply_knobs

    return create_app(apply_knobs(Profile(), LOAD_KNOBS), seed=1)


async def _pairs_async(client: httpx.AsyncClient, pairs: int, start: int) -> tuple[float, float]:
    """Total seconds spent in `pairs` creates and in their polls."""
    create = poll = 0.0
    headers = AUTH | {"Content-Type": "application/json"}
    for n in range(start, start + pairs):
        body = VARIED_BODY.replace(COUNTER, str(n))
        began = time.perf_counter()
        made = await client.post("/api/v1/generations", content=body, headers=headers)
        middle = time.perf_counter()
        got = await client.get(f"/api/v1/generations/{made.json()['id']}", headers=AUTH)
        create, poll = create + middle - began, poll + time.perf_counter() - middle
        assert made.status_code == 202 and got.status_code == 200, (made.text, got.text)
    return create, poll


async def measure_async(pairs: int) -> dict:
    per_batch = max(1, pairs // BATCHES)
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://rivya.test") as client:
        await _pairs_async(client, max(20, pairs // 10), 0)  # warm caches and validators
        batches = [
            await _pairs_async(client, per_batch, (i + 1) * 1_000_000) for i in range(BATCHES)
        ]
    middle = sorted(batches, key=sum)[len(batches) // 2]
    return {
        "transport": "httpx.ASGITransport",
        "pairs": per_batch * BATCHES,
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

    headers = AUTH | {"Content-Type": "application/json"}
    times = []
    with TestClient(make_app(), base_url="http://rivya.test") as client:
        for n in range(pairs):
            body = VARIED_BODY.replace(COUNTER, str(n))
            began = time.perf_counter()
            made = client.post("/api/v1/generations", content=body, headers=headers)
            client.get(f"/api/v1/generations/{made.json()['id']}", headers=AUTH)
            times.append(time.perf_counter() - began)
    return {"testclient_pair_ms": round(statistics.median(times) * 1000, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess")
    parser.add_argument("--pairs", type=int, default=2000)
    args = parser.parse_args()
    result = asyncio.run(measure_async(args.pairs))
    result |= measure_testclient(max(1, args.pairs // 4))
    print(MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
