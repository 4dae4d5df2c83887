"""The measurements that need a running server: throughput, start-up, and memory while serving a 4K image."""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

from bench import load, prism
from bench.load import Load
from bench.servers import Server, free_port, python_module
from bench.workload import AUTH, CREATE_BODY, create_load, knob_flags, poll_load

CONCURRENCIES = (16, 64)


def fake_server(name: str = "fake", knobs: list[str] | None = None) -> Server:
    """The fake as users run it (`rivya-mock`), with the load knobs unless told otherwise.

    Under load its request log is off (`--quiet`): the ceiling logs nothing either, and a line per
    request measures the log, not the request path."""
    port = free_port()
    flags = [*knob_flags(), "--quiet"] if knobs is None else knobs
    return Server(name, [*cli_command(port), *flags], port, "/api/v1/models")


def ceiling_server(canned: Path) -> Server:
    port = free_port()
    cmd = python_module("bench.serve", "--port", str(port))
    env = {"RIVYA_BENCH_CANNED": str(canned)}
    return Server("ceiling", cmd, port, "/api/v1/models", env=env)


def prism_server(document: Path) -> Server:
    port = free_port()
    return Server("prism", prism.command(document, port), port, "/api/v1/models")


def cli_command(port: int) -> list[str]:
    """The fake as users start it: the `rivya-mock` script, else `python -m mockserver`."""
    script = shutil.which("rivya-mock", path=str(Path(sys.executable).parent))
    base = [script] if script else python_module("mockserver")
    return [*base, "--port", str(port), "--seed", "1"]


def create_task(client: httpx.Client, body: str = CREATE_BODY) -> dict:
    headers = AUTH | {"Content-Type": "application/json"}
    made = client.post("/api/v1/generations", content=body, headers=headers)
    assert made.status_code == 202, made.text
    return made.json()


def wait_succeeded(client: httpx.Client, task_id: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        task = client.get(f"/api/v1/generations/{task_id}", headers=AUTH).json()
        if task["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return task
        client.post("/_mock/clock/advance", json={"seconds": 60})
        time.sleep(0.05)


def capture_fake(url: str, workdir: Path) -> dict:
    """One created task, the fake's create/poll bodies for the ceiling, and its openapi.json for Prism."""
    with httpx.Client(base_url=url, timeout=30) as client:
        headers = AUTH | {"Content-Type": "application/json"}
        created = client.post("/api/v1/generations", content=CREATE_BODY, headers=headers)
        task = wait_succeeded(client, created.json()["id"])
        polled = client.get(f"/api/v1/generations/{task['id']}", headers=AUTH)
        document = client.get("/api/v1/openapi.json")
    canned = workdir / "canned.json"
    canned.write_text(json.dumps({"create": created.text, "poll": polled.text}))
    openapi = workdir / "openapi.json"
    openapi.write_text(document.text if document.status_code == 200 else "")
    return {
        "task_id": task["id"],
        "canned": canned,
        "openapi": openapi,
        "openapi_ok": document.status_code == 200,
    }


def measure_throughput(
    servers: list[Server], task_id: str, seconds: float, rounds: int, warmup: float
) -> list[dict]:
    """Every (route, concurrency) on every server, interleaved over `rounds` so that a noisy
    neighbour hurts all servers alike; each cell keeps its median round by req/s."""
    makers = {
        "create": lambda name: create_load(f"{name}-{uuid.uuid4().hex[:8]}"),
        "poll": lambda name: poll_load(task_id),
    }
    if warmup > 0:
        for server in servers:
            # Prism's JIT needs longer to reach its steady state.
            length = warmup * (3 if server.name == "prism" else 1)
            for make in makers.values():
                load.run(server.url, make(server.name), concurrency=64, seconds=length)
    cells: dict[tuple[str, str, int], list[dict]] = {}
    for _ in range(rounds):
        for endpoint, make in makers.items():
            for concurrency in CONCURRENCIES:
                for server in servers:
                    stats = timed_run(server, make(server.name), concurrency, seconds)
                    cells.setdefault((server.name, endpoint, concurrency), []).append(stats)
    return [_median_row(key, found) for key, found in cells.items()]


def timed_run(server: Server, work: Load, concurrency: int, seconds: float) -> dict:
    """One load run, plus the server's CPU time per answered request: unlike req/s, that cost
    hardly moves when another process shares the core, so ratios of it are steadier."""
    before = server.cpu_seconds()
    stats = load.run(server.url, work, concurrency=concurrency, seconds=seconds)
    spent = server.cpu_seconds() - before
    return stats | {"cpu_us_per_req": round(spent / max(stats["requests"], 1) * 1e6, 1)}


def _median_row(key: tuple[str, str, int], found: list[dict]) -> dict:
    server, endpoint, concurrency = key
    middle = sorted(found, key=lambda stats: stats["rps"])[len(found) // 2]
    costs = sorted(stats["cpu_us_per_req"] for stats in found)
    summary = {
        "rounds_rps": [stats["rps"] for stats in found],
        "rounds_p99_ms": [stats["p99_ms"] for stats in found],
        "cpu_us_per_req": costs[len(costs) // 2],
        "bad": sum(stats["bad"] for stats in found),
        "requests": sum(stats["requests"] for stats in found),
    }
    return {"server": server, "endpoint": endpoint} | middle | summary


def credits_spent(url: str) -> int:
    with httpx.Client(base_url=url, timeout=30) as client:
        return 1_000_000_000 - client.get("/api/v1/credits", headers=AUTH).json()["current_credits"]


def measure_startup(make: callable, repeats: int) -> dict:
    """Median and all times from spawning the process to its first 2xx."""
    times = []
    for _ in range(repeats):
        with make() as server:
            times.append(server.startup_s)
    return {"median_s": round(statistics.median(times), 3), "runs_s": [round(t, 3) for t in times]}


def measure_image_serving(seconds: float) -> dict:
    """RSS of a fresh fake while a 4K result PNG is fetched by 16 connections for `seconds`."""
    fourk = json.dumps(
        {"model": "gpt-image-2", "prompt": "a 4K lighthouse", "params": {"resolution": "4K"}}
    )
    with fake_server("fake-4k") as server, httpx.Client(base_url=server.url, timeout=60) as client:
        task = wait_succeeded(client, create_task(client, fourk)["id"])
        url = task["result"]["primary_url"]
        png = client.get(url)
        path = "/" + url.split("/", 3)[3]
        before = server.memory_kib()
        peak = _sample_while(
            server, lambda: load.run(server.url, Load("GET", path), concurrency=16, seconds=seconds)
        )
        stats, peak_kib = peak
    return stats | {
        "png_bytes": len(png.content),
        "png_content_type": png.headers.get("content-type"),
        "rss_before_mib": round(before["VmRSS"] / 1024, 1),
        "rss_peak_mib": round(peak_kib / 1024, 1),
        "mb_per_s": round(stats["rps"] * len(png.content) / 1e6, 1),
    }


def _sample_while(server: Server, work: callable) -> tuple[dict, int]:
    """Run `work` in a thread and track the server's highest VmRSS meanwhile."""
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(work()))
    thread.start()
    peak = 0
    while thread.is_alive():
        peak = max(peak, server.memory_kib()["VmRSS"])
        time.sleep(0.05)
    thread.join()
    return result, max(peak, server.memory_kib()["VmRSS"])


def scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="rivya-bench-"))
