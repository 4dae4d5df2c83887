"""Where the fake's CPU goes under load: py-spy samples the server while one route is loaded.

`python -m bench.hotspots create|poll [--seconds 6] [--top 25]` prints the functions holding the
most samples, inclusive and self. Needs py-spy (`pip install py-spy`); says so when it is missing.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench import load, runs
from bench.workload import create_load, poll_load


def sample(route: str, seconds: float) -> Path:
    """Raw py-spy stacks of a fresh fake while `route` is loaded at c64."""
    out = Path(tempfile.mkstemp(prefix="rivya-hotspots-", suffix=".txt")[1])
    with runs.fake_server() as fake:
        task_id = runs.capture_fake(fake.url, runs.scratch_dir())["task_id"]
        make = (lambda: poll_load(task_id)) if route == "poll" else (lambda: create_load("hot"))
        load.run(fake.url, make(), concurrency=64, seconds=1)  # warm up before sampling
        spy = ["py-spy", "record", "-p", str(fake.process.pid), "-f", "raw", "-o", str(out)]
        spy += ["-d", str(int(seconds) + 1), "-r", "250", "--nonblocking"]
        recorder = subprocess.Popen(spy, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stats = load.run(fake.url, make(), concurrency=64, seconds=seconds)
        recorder.wait(timeout=seconds + 30)
    print(f"{route} at c64: {stats['rps']:,.0f} req/s while sampled (py-spy slows it a little)")
    return out


def _name(frame: str) -> str:
    """`function (path/file.py:line)` -> `function file.py`."""
    function, _, where = frame.partition(" (")
    return f"{function} {where.split(':')[0].rsplit('/', 1)[-1]}"


def tally(raw: Path) -> tuple[Counter, Counter, int]:
    inclusive, own, total = Counter(), Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames, samples = stack.split(";"), int(count)
        total += samples
        for name in {_name(f) for f in frames}:
            inclusive[name] += samples
        own[_name(frames[-1])] += samples
    return inclusive, own, total


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hotspots")
    parser.add_argument("route", choices=["create", "poll"])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    if not shutil.which("py-spy"):
        print("py-spy not found: pip install py-spy", file=sys.stderr)
        return 1
    inclusive, own, total = tally(sample(args.route, args.seconds))
    for title, counts in (("inclusive", inclusive), ("self", own)):
        print(f"\n{title} share of {total} samples:")
        for name, samples in counts.most_common(args.top):
            print(f"  {samples / total:6.1%}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
