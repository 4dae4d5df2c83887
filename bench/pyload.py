"""A small closed-loop HTTP/1.1 load generator for machines without wrk; run it in its own process.

`python -m bench.pyload '<json spec>'` keeps `concurrency` keep-alive connections busy for `seconds`
and prints one `BENCH_JSON {...}` line. Responses are parsed with httptools (a uvicorn dependency).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time
from urllib.parse import urlsplit

import httptools

from bench.load import COUNTER, MARK


class _Connection(asyncio.Protocol):
    """One keep-alive connection that sends a request, waits for the whole answer, repeats."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.done: asyncio.Future | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_message_complete(self) -> None:
        status = self.parser.get_status_code()
        self.parser = httptools.HttpResponseParser(self)
        if self.done and not self.done.done():
            self.done.set_result(status)

    def connection_lost(self, exc) -> None:
        if self.done and not self.done.done():
            self.done.set_exception(ConnectionError("connection lost"))

    async def send(self, request: bytes) -> int:
        self.done = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.done


def _request_maker(spec: dict):
    """A function of the request number N giving the request's bytes."""
    parts = urlsplit(spec["url"])
    head = f"{spec['method']} {spec['path']} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in spec["headers"].items())
    body = spec["body"]
    if not spec["distinct_header"]:
        fixed = _with_body(head, body.encode(), spec["method"])
        return lambda n: fixed
    prefix = f"{head}{spec['distinct_header']}: {spec['run_id']}-"

    def make(n: int) -> bytes:
        return _with_body(f"{prefix}{n}\r\n", body.replace(COUNTER, str(n)).encode(), "POST")

    return make


def _with_body(head: str, body: bytes, method: str) -> bytes:
    if body or method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


async def _worker(spec, make, deadline, latencies, counts, worker_id) -> None:
    parts = urlsplit(spec["url"])
    loop = asyncio.get_running_loop()
    _, conn = await loop.create_connection(_Connection, parts.hostname, parts.port)
    n = worker_id * 10_000_000
    while time.perf_counter() < deadline:
        n += 1
        began = time.perf_counter()
        try:
            status = await conn.send(make(n))
        except ConnectionError:
            counts["bad"] += 1
            _, conn = await loop.create_connection(_Connection, parts.hostname, parts.port)
            continue
        latencies.append(time.perf_counter() - began)
        if not 200 <= status < 300:
            counts["bad"] += 1
    conn.transport.close()


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q / 100 * len(sorted_values)))]


async def drive(spec: dict) -> dict:
    make = _request_maker(spec)
    latencies: list[float] = []
    counts = {"bad": 0}
    began = time.perf_counter()
    deadline = began + spec["seconds"]
    await asyncio.gather(
        *(_worker(spec, make, deadline, latencies, counts, i) for i in range(spec["concurrency"]))
    )
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 50) * 1000, 3),
        "p99_ms": round(_percentile(latencies, 99) * 1000, 3),
        "bad": counts["bad"],
    }


def main() -> None:
    spec = json.loads(sys.argv[1])
    if importlib.util.find_spec("uvloop"):
        import uvloop

        result = uvloop.run(drive(spec))
    else:
        result = asyncio.run(drive(spec))
    print(MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
