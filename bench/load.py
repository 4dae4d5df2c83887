"""Drive load at a server: wrk (with a Lua script) when installed, else bench.pyload in its own process.

Both report the same JSON: requests, seconds, rps, p50_ms, p99_ms, bad (non-2xx and socket errors).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.servers import LOAD_CPU, pinned, python_module

MARK = "BENCH_JSON "
FORCED = ""  # set by `python -m bench --load wrk|pyload`


COUNTER = "@N@"  # replaced in a body by the request's number, so no two bodies are the same


@dataclass
class Load:
    """What to send: one request shape; optionally a header with a fresh value per request
    (`run_id-N`) and a body in which COUNTER becomes N."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    distinct_header: str = ""
    run_id: str = "run"


def tool() -> str:
    if FORCED:
        return FORCED
    return "wrk" if shutil.which("wrk") else "pyload"


def run(url: str, load: Load, *, concurrency: int, seconds: float, use: str = "") -> dict:
    """One timed run at `concurrency` connections; returns the stats dict plus the tool used."""
    use = use or tool()
    if use == "wrk":
        stats = _run_wrk(url, load, concurrency, max(1, round(seconds)))
    else:
        stats = _run_pyload(url, load, concurrency, seconds)
    return stats | {"tool": use, "concurrency": concurrency}


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string for ASCII text


def wrk_script(load: Load) -> str:
    lines = [f"wrk.method = {_lua_string(load.method)}"]
    lines += [f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in load.headers.items()]
    head, _, tail = load.body.partition(COUNTER)
    if load.body and COUNTER not in load.body:
        lines.append(f"wrk.body = {_lua_string(load.body)}")
    if load.distinct_header:
        # Each request carries a new key (and prompt), so every POST is a new task, not a replay.
        body = f"{_lua_string(head)} .. counter .. {_lua_string(tail)}" if tail else "nil"
        lines += [
            "local counter = 0",
            "request = function()",
            "  counter = counter + 1",
            f"  wrk.headers[{_lua_string(load.distinct_header)}] = "
            f"{_lua_string(load.run_id + '-')} .. counter",
            f"  return wrk.format(nil, {_lua_string(load.path)}, nil, {body})",
            "end",
        ]
    lines += [
        "done = function(summary, latency, requests)",
        "  local e = summary.errors",
        f'  io.write(string.format("{MARK}{{\\"requests\\":%d,\\"duration_us\\":%d,'
        '\\"p50_us\\":%d,\\"p99_us\\":%d,\\"non_2xx\\":%d,\\"socket_errors\\":%d}\\n",',
        "    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),",
        "    e.status, e.connect + e.read + e.write + e.timeout))",
        "end",
    ]
    return "\n".join(lines) + "\n"


def _run_wrk(url: str, load: Load, concurrency: int, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(load))
    cmd = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "10s"]
    cmd += ["-s", script.name, url + load.path]
    try:
        out = subprocess.run(
            pinned(cmd, LOAD_CPU), capture_output=True, text=True, timeout=seconds + 60
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    raw = parse_marked(out.stdout, out.stderr)
    elapsed = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": round(elapsed, 3),
        "rps": round(raw["requests"] / elapsed, 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "bad": raw["non_2xx"] + raw["socket_errors"],
    }


def _run_pyload(url: str, load: Load, concurrency: int, seconds: float) -> dict:
    spec = asdict(load) | {"url": url, "concurrency": concurrency, "seconds": seconds}
    cmd = python_module("bench.pyload", json.dumps(spec))
    out = subprocess.run(
        pinned(cmd, LOAD_CPU), capture_output=True, text=True, timeout=seconds + 60
    )
    return parse_marked(out.stdout, out.stderr)


def parse_marked(stdout: str, stderr: str) -> dict:
    for line in stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    raise RuntimeError(f"load generator gave no result:\n{stdout[-2000:]}\n{stderr[-2000:]}")
