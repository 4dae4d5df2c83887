"""`python -m bench`: measure the fake against its ceiling and Prism, print the table, write the JSON."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import contract, load, prism, report, runs
from bench.servers import LOAD_CPU, SERVER_CPU, pinned, pinning_available, python_module

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("throughput", "inprocess", "startup", "memory", "contract")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    add = parser.add_argument
    add("--quick", action="store_true", help="1-second runs, one round, small counts (~30 s)")
    add("--seconds", type=float, help="length of each load run (default 4, quick 1)")
    add("--rounds", type=int, help="interleaved runs per cell, median kept (default 3, quick 1)")
    add("--load", choices=["auto", "wrk", "pyload"], default="auto", help="load generator")
    add("--prism", choices=["auto", "skip"], default="auto", help="skip leaves Prism out")
    add("--only", action="append", choices=SECTIONS, help="run only these sections")
    add("--skip", action="append", choices=SECTIONS, default=[], help="leave these out")
    add("--out", type=Path, help="JSON file (default bench/results/latest.json; quick.tmp)")
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (1.0 if args.quick else 4.0)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.out = args.out or RESULTS / ("quick.tmp" if args.quick else "latest.json")
    args.only = [name for name in args.only or SECTIONS if name not in args.skip]
    return args


def measure_throughput(args, record: dict, workdir: Path) -> None:
    """The fake, the ceiling and Prism all up at once, loaded in turn (each on core 0)."""
    warmup = 0.0 if args.quick else 1.0
    with contextlib.ExitStack() as stack:
        fake = stack.enter_context(runs.fake_server())
        captured = runs.capture_fake(fake.url, workdir)
        servers = [fake, stack.enter_context(runs.ceiling_server(captured["canned"]))]
        reason = _prism_reason(args, captured)
        if reason:
            record["skipped"].append(f"Prism: {reason}")
        else:
            servers.append(stack.enter_context(runs.prism_server(captured["openapi"])))
            record["startup"]["prism"] = {"median_s": round(servers[-1].startup_s, 3)}
        rows = runs.measure_throughput(
            servers, captured["task_id"], args.seconds, args.rounds, warmup
        )
        after = {server.name: round(server.memory_kib()["VmRSS"] / 1024, 1) for server in servers}
        # Every create is a new task only if the Idempotency-Keys really differ: check the ledger.
        record["fake_tasks_created"] = runs.credits_spent(fake.url) // 3
    record["fake_creates_sent"] = sum(
        r["requests"] for r in rows if r["server"] == "fake" and r["endpoint"] == "create"
    )
    record["throughput"] = rows
    record["ratios"] = report.ratios(rows)
    record.setdefault("memory", {})["after_load"] = after


def _prism_reason(args, captured: dict) -> str:
    if args.prism == "skip":
        return "skipped by --prism skip"
    if not captured["openapi_ok"]:
        return "the fake serves no /api/v1/openapi.json"
    return prism.ensure(install=not args.quick)


def measure_startup(args, record: dict, workdir: Path) -> None:
    repeats = 1 if args.quick else 5
    startup = record["startup"]
    startup["fake"] = runs.measure_startup(_cli_server, repeats)
    canned = workdir / "none.json"
    canned.write_text(json.dumps({"create": "{}", "poll": "{}"}))
    startup["ceiling"] = runs.measure_startup(lambda: runs.ceiling_server(canned), repeats)


def _cli_server():
    return runs.fake_server("fake-cli", knobs=[])


def measure_memory(args, record: dict, workdir: Path) -> None:
    count = 5_000 if args.quick else 100_000
    memory = record.setdefault("memory", {})
    memory["tasks"] = _module_json("bench.memory", "--tasks", str(count))
    if not args.quick:
        memory["tasks_with_keys"] = _module_json("bench.memory", "--tasks", str(count), "--keys")
    memory["image_4k"] = runs.measure_image_serving(max(1.0, args.seconds / 2))


def measure_inprocess(args, record: dict, workdir: Path) -> None:
    sizes = ["--pairs", "200", "--requests", "700"] if args.quick else ["--pairs", "3000"]
    record["inprocess"] = _module_json("bench.inprocess", *sizes)


def measure_contract(args, record: dict, workdir: Path) -> None:
    reason = contract.available()
    if reason:
        record["skipped"].append(f"contract suite: {reason}")
        return
    record["contract"] = contract.measure()


def _module_json(module: str, *argv: str) -> dict:
    cmd = pinned(python_module(module, *argv), SERVER_CPU)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    return load.parse_marked(done.stdout, done.stderr)


STEPS = {
    "throughput": measure_throughput,
    "inprocess": measure_inprocess,
    "startup": measure_startup,
    "memory": measure_memory,
    "contract": measure_contract,
}


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def importable_children() -> None:
    """Servers and helpers run as `python -m bench.…`: let them import bench from any directory."""
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    os.environ["PYTHONPATH"] = os.pathsep.join([*paths, str(ROOT)])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["soak"]:  # python -m bench soak …
        from bench import soak

        return soak.main(argv[1:])
    args = parse(argv)
    importable_children()
    if args.load != "auto":
        load.FORCED = args.load
    record = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": report.commit(ROOT),
        "machine": report.machine(),
        "settings": {
            "quick": args.quick,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "load_tool": load.tool(),
            "pinned": pinning_available(),
            "cpus": {"server": SERVER_CPU, "load": LOAD_CPU},
        },
        "startup": {},
        "skipped": [],
    }
    if load.tool() == "pyload" and args.load == "auto":
        record["skipped"].append(
            "wrk not found: load from bench.pyload (apt-get install wrk for wrk)"
        )
    # Other work on the machine skews every number: keep a trace of it with the result.
    record["loadavg_start"] = _loadavg()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rivya-bench-") as workdir:
        for name in args.only:
            print(f"[bench] {name}...", file=sys.stderr, flush=True)
            STEPS[name](args, record, Path(workdir))
    record["wall_seconds"] = round(time.perf_counter() - began, 1)
    record["loadavg"] = _loadavg()
    record["targets"] = report.targets(record)
    report.write(record, args.out)
    print(report.table(record))
    print(f"\nwrote {args.out} in {record['wall_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
