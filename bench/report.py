"""Turn the raw measurements into ratios, target verdicts, a printed table and the JSON record."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

# Peers measured on this machine class (issue 6): wrk, 1 thread, server pinned to one core, c64.
PEERS = {
    "wiremock": {"poll": 12_000, "create": 14_800, "p99_create_ms": 68, "startup_s": 1.8},
    "prism": {"poll": 4_400, "create": 3_900, "p99_create_ms": 125, "startup_s": 1.4},
}
MB = 1_000_000
ROUTES = ("create", "poll")
# Issue 13: served, the fake's CPU per request against the ceiling's; in-process, its cost per
# request against a bare Starlette route answering the same bytes.
SERVED_FLOOR = {"create": 0.45, "poll": 0.75}
IN_PROCESS_CEILING = {"create": 5.0, "poll": 2.2}
CONCURRENCIES = (16, 64)


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "versions": {
            name: _version(name) for name in ("starlette", "uvicorn", "httptools", "uvloop")
        },
        "wrk": _first_line(["wrk", "--version"]).split(" [")[0],
        "node": _first_line(["node", "--version"]),
    }


def commit(root: Path) -> str:
    """The measured tree's commit (read-only git), marked dirty if mockserver/ has local changes."""
    if not shutil.which("git"):
        return ""
    head = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    if head.returncode != 0:
        return ""
    status = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "mockserver", "schemas"],
        capture_output=True,
        text=True,
    )
    return head.stdout.strip() + ("-dirty" if status.stdout.strip() else "")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def _first_line(cmd: list[str]) -> str:
    if not shutil.which(cmd[0]):
        return ""
    done = subprocess.run(cmd, capture_output=True, text=True)
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else ""


def row(rows: list[dict], server: str, endpoint: str, concurrency: int) -> dict | None:
    key = (server, endpoint, concurrency)
    return next((r for r in rows if (r["server"], r["endpoint"], r["concurrency"]) == key), None)


def ratios(rows: list[dict]) -> list[dict]:
    """fake ÷ each other server, by req/s and by CPU time per request (the steadier of the two);
    at c64 also against the peer figures of Prism (when not measured) and WireMock."""
    out = []
    for endpoint in ROUTES:
        for concurrency in CONCURRENCIES:
            fake = row(rows, "fake", endpoint, concurrency)
            if not fake:
                continue
            entry = {"endpoint": endpoint, "concurrency": concurrency}
            for other in ("ceiling", "prism"):
                found = row(rows, other, endpoint, concurrency)
                if found and found["rps"]:
                    entry[f"vs_{other}"] = round(fake["rps"] / found["rps"], 2)
                    if found.get("cpu_us_per_req") and fake.get("cpu_us_per_req"):
                        cost = found["cpu_us_per_req"] / fake["cpu_us_per_req"]
                        entry[f"vs_{other}_cpu"] = round(cost, 2)
            if concurrency == 64:
                if "vs_prism" not in entry:
                    entry["vs_prism_peer"] = round(fake["rps"] / PEERS["prism"][endpoint], 2)
                entry["vs_wiremock_peer"] = round(fake["rps"] / PEERS["wiremock"][endpoint], 2)
            out.append(entry)
    return out


def targets(record: dict) -> list[dict]:
    """Each target (issue 6, sharpened by issue 13) with the measured value and a verdict."""
    found: list[dict] = []

    def add(name: str, measured: float, met: bool) -> None:
        found.append({"target": name, "measured": measured, "met": met})

    for entry in record.get("ratios", []):
        label = f"{entry['endpoint']} c{entry['concurrency']}"
        floor = SERVED_FLOOR[entry["endpoint"]]
        if "vs_ceiling_cpu" in entry:
            add(
                f"fake >= {floor}x ceiling (CPU per request), {label}",
                entry["vs_ceiling_cpu"],
                entry["vs_ceiling_cpu"] >= floor,
            )
        if entry["concurrency"] == 64:
            measured = "vs_prism" in entry
            prism = entry["vs_prism"] if measured else entry["vs_prism_peer"]
            source = "measured" if measured else "peer figure"
            add(f"fake >= 3x Prism ({source}), {label}", prism, prism >= 3)
            wiremock = entry["vs_wiremock_peer"]
            add(f"fake > WireMock (peer figure), {label}", wiremock, wiremock > 1)
    create = row(record.get("throughput", []), "fake", "create", 64)
    if create:
        worst = max(create.get("rounds_p99_ms") or [create["p99_ms"]])
        add("create p99 < 15 ms at c64, every round", worst, worst < 15)
    poll = row(record.get("throughput", []), "fake", "poll", 64)
    if poll:
        add("poll p99 < 20 ms at c64", poll["p99_ms"], poll["p99_ms"] < 20)
    inprocess = record.get("inprocess")
    if inprocess:
        add("in-process create+poll < 2 ms", inprocess["pair_ms"], inprocess["pair_ms"] < 2)
        direct = inprocess.get("direct")
        if direct:
            for route, ceiling in IN_PROCESS_CEILING.items():
                ratio = direct[f"{route}_ratio"]
                add(f"in-process {route} <= {ceiling}x the bare route", ratio, ratio <= ceiling)
    startup = record.get("startup", {}).get("fake")
    if startup:
        add("start-up < 0.5 s (rivya-mock)", startup["median_s"], startup["median_s"] < 0.5)
    tasks = record.get("memory", {}).get("tasks")
    if tasks and tasks["tasks"] >= 100_000:
        rss_mb = round(tasks["rss_mib"] * 2**20 / MB, 1)
        add("100k tasks < 150 MB RSS", rss_mb, rss_mb < 150)
    return found


def table(record: dict) -> str:
    lines = [_header(record), *_throughput(record), *_warnings(record), ""]
    lines += [*_others(record), "", "targets:"]
    for verdict in record.get("targets", []):
        mark = "met " if verdict["met"] else "MISS"
        lines.append(f"  [{mark}] {verdict['target']}: {verdict['measured']}")
    lines += [f"  skipped: {note}" for note in record.get("skipped", [])]
    return "\n".join(lines)


def _header(record: dict) -> str:
    info, settings = record["machine"], record["settings"]
    pin = "server on core 0, load on core 1" if settings["pinned"] else "not pinned"
    return (
        f"rivya-mock bench on {info['cpu']} x{info['cores']}, Python {info['python']}: "
        f"{settings['load_tool']}, median of {settings['rounds']} interleaved "
        f"{settings['seconds']:g} s runs, {pin}; load average "
        f"{record.get('loadavg_start', '?')} at start, {record.get('loadavg', '?')} at end"
    )


def _throughput(record: dict) -> list[str]:
    rows = record.get("throughput", [])
    if not rows:
        return []
    by_key = {(e["endpoint"], e["concurrency"]): e for e in record.get("ratios", [])}
    lines = [
        f"{'route':<7}{'c':>3}  {'server':<8}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'CPU us/req':>11}   fake/this: req/s, CPU"
    ]
    for endpoint in ROUTES:
        for concurrency in CONCURRENCIES:
            ratio = by_key.get((endpoint, concurrency), {})
            for server in ("fake", "ceiling", "prism"):
                found = row(rows, server, endpoint, concurrency)
                if not found:
                    continue
                cells = f"{found['rps']:>8,.0f}{found['p50_ms']:>8.2f}{found['p99_ms']:>8.2f}"
                cells += f"{found.get('cpu_us_per_req', 0):>11.1f}"
                lines.append(
                    f"{endpoint:<7}{concurrency:>3}  {server:<8}{cells}   {_ratio(ratio, server)}"
                )
    return lines


def _ratio(entry: dict, server: str) -> str:
    if server == "fake":
        return ""
    by_rps, by_cpu = entry.get(f"vs_{server}"), entry.get(f"vs_{server}_cpu")
    if by_rps is None:
        return ""
    return f"{by_rps:.2f}x" + (f", {by_cpu:.2f}x" if by_cpu is not None else "")


def _warnings(record: dict) -> list[str]:
    """Runs whose answers were not all 2xx measure something else: say so under the table."""
    lines = [
        f"  warning: {r['server']} {r['endpoint']} c{r['concurrency']}: {r['bad']:,} of "
        f"{r['requests']:,} answers were errors"
        for r in record.get("throughput", [])
        if r["bad"]
    ]
    created, sent = record.get("fake_tasks_created"), record.get("fake_creates_sent")
    if created is not None and created < sent:
        lines.append(f"  warning: the fake made {created:,} tasks for {sent:,} creates (replays?)")
    peers = record.get("ratios") and "WireMock/Prism peer figures (c64, req/s): " + ", ".join(
        f"{name} create {p['create']:,} poll {p['poll']:,}" for name, p in PEERS.items()
    )
    return lines + ([peers] if peers else [])


def _others(record: dict) -> list[str]:
    lines = []
    inprocess = record.get("inprocess")
    direct = (inprocess or {}).get("direct")
    if direct:
        line = (
            f"in-process, the ASGI app called directly (median of {direct['rounds']} rounds of "
            f"{direct['requests_per_round']:,}): create {direct['fake_create_us']} us "
            f"(bare Starlette route {direct['bare_create_us']} us, {direct['create_ratio']}x), "
            f"poll {direct['fake_poll_us']} us (bare {direct['bare_poll_us']} us, "
            f"{direct['poll_ratio']}x)"
        )
        if "fake_keyed_create_us" in direct:
            line += (
                f"; create with an Idempotency-Key {direct['fake_keyed_create_us']} us "
                f"({direct['keyed_create_ratio']}x)"
            )
        lines.append(line)
    if inprocess:
        lines.append(
            f"in-process create+poll (httpx ASGI transport): {inprocess['pair_ms']:.3f} ms "
            f"(create {inprocess['create_ms']:.3f}, poll {inprocess['poll_ms']:.3f}); "
            f"through TestClient {inprocess['testclient_pair_ms']:.3f} ms (median pair)"
        )
    startup = record.get("startup", {})
    if startup:
        lines.append(
            "start-up to first answer (median): "
            + ", ".join(
                f"{name} {startup[name]['median_s']:.2f} s"
                for name in ("fake", "ceiling", "prism")
                if name in startup
            )
        )
    lines += _memory_lines(record.get("memory", {}))
    contract = record.get("contract")
    if contract:
        lines.append(
            f"contract suite, free checks in-process ({contract['command']}): "
            f"{contract['seconds']:.1f} s wall, {contract['summary']}"
        )
    return lines


def _memory_lines(memory: dict) -> list[str]:
    lines = []
    for name, label in (("tasks", "RSS after"), ("tasks_with_keys", "  with Idempotency-Keys:")):
        if name in memory:
            m = memory[name]
            lines.append(
                f"{label} {m['tasks']:,} creates: {m['rss_mib']} MiB "
                f"(app alone {m['baseline_rss_mib']} MiB, {m['bytes_per_task']} B per task)"
            )
    if "image_4k" in memory:
        m = memory["image_4k"]
        lines.append(
            f"4K result PNG ({m['png_bytes']:,} B) served at c16: {m['rps']:,.0f} req/s, "
            f"RSS {m['rss_before_mib']} MiB before, {m['rss_peak_mib']} MiB at peak"
        )
    if "after_load" in memory:
        lines.append(
            "RSS after the load runs: "
            + ", ".join(f"{name} {mib} MiB" for name, mib in memory["after_load"].items())
        )
    return lines


def write(record: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")


def markdown(record: dict) -> str:
    """The README's numbers: the throughput table, the other measurements and the targets."""
    info, settings = record["machine"], record["settings"]
    lines = [
        f"Measured {record.get('date', '')} at commit {record.get('commit') or '?'} on "
        f"{info['cpu']} ({info['cores']} cores, "
        f"{info['memory_gib']} GiB), Linux {info['kernel']}, Python {info['python']}, "
        f"uvicorn {info['versions']['uvicorn']} with httptools and uvloop; load from "
        f"{info['wrk'] or 'bench.pyload'} with one thread; median of {settings['rounds']} "
        f"interleaved {settings['seconds']:g} s runs; server pinned to core 0, load generator to "
        f"core 1; load average {record.get('loadavg_start', '?')} at start and "
        f"{record.get('loadavg', '?')} at the end (other work shared the machine).",
        "",
        "| route | conns | fake req/s | fake p50 / p99 ms | ceiling req/s | fake ÷ ceiling "
        "(req/s, CPU) | Prism req/s | fake ÷ Prism (req/s, CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by_key = {(e["endpoint"], e["concurrency"]): e for e in record.get("ratios", [])}
    for endpoint in ROUTES:
        for concurrency in CONCURRENCIES:
            ratio = by_key.get((endpoint, concurrency), {})
            cells = [endpoint, str(concurrency)]
            for server in ("fake", "ceiling", "prism"):
                found = row(record.get("throughput", []), server, endpoint, concurrency)
                cells.append(f"{found['rps']:,.0f}" if found else "-")
                if server == "fake":
                    cells.append(f"{found['p50_ms']:.1f} / {found['p99_ms']:.1f}" if found else "-")
                else:
                    cells.append(_ratio(ratio, server) or "-")
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", *[f"- {line.strip()}" for line in _others(record)], "", "Targets:", ""]
    for verdict in record.get("targets", []):
        met = "met" if verdict["met"] else "**missed**"
        lines.append(f"- {met}: {verdict['target']} (measured {verdict['measured']})")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    default = Path(__file__).parent / "results" / "latest.json"
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(f"usage: python -m bench.report [RESULTS.json]  (default: {default})")
        sys.exit(0)
    source = Path(sys.argv[1] if len(sys.argv) > 1 else default)
    if not source.is_file():
        sys.exit(f"python -m bench.report: no results at {source} (run python -m bench first)")
    print(markdown(json.loads(source.read_text())))
