"""The bench harness runs end to end in its quick mode, with or without wrk and Prism."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import contract, load, prism, report
from bench.workload import create_load

ROOT = Path(__file__).resolve().parent.parent


def test_load_falls_back_to_the_python_generator_without_wrk(monkeypatch):
    monkeypatch.setattr(load.shutil, "which", lambda name: None)
    assert load.tool() == "pyload"


def test_wrk_script_sends_a_new_idempotency_key_with_every_create():
    script = load.wrk_script(create_load("run7"))
    assert 'wrk.headers["Idempotency-Key"] = "run7-" .. counter' in script
    assert "request = function()" in script


def test_prism_is_skipped_with_a_reason_when_not_installed(monkeypatch, tmp_path):
    monkeypatch.setattr(prism, "ENTRY", tmp_path / "missing.js")
    assert prism.ensure(install=False) != ""


def test_contract_step_names_a_reason_or_a_command():
    assert contract.available() or contract.command()


def test_targets_flag_a_fake_slower_than_the_ceiling():
    rows = [
        {
            "server": "fake",
            "endpoint": "create",
            "concurrency": 16,
            "rps": 600.0,
            "p99_ms": 3.0,
            "cpu_us_per_req": 100.0,
        },
        {
            "server": "ceiling",
            "endpoint": "create",
            "concurrency": 16,
            "rps": 1000.0,
            "p99_ms": 2.0,
            "cpu_us_per_req": 40.0,
        },
    ]
    verdicts = report.targets({"throughput": rows, "ratios": report.ratios(rows)})
    assert verdicts == [
        {
            "target": "fake >= 0.45x ceiling (CPU per request), create c16",
            "measured": 0.4,
            "met": False,
        }
    ]


def test_targets_flag_an_in_process_poll_too_far_above_the_bare_route():
    direct = {"create_ratio": 4.0, "poll_ratio": 2.5}
    verdicts = report.targets({"inprocess": {"pair_ms": 0.5, "direct": direct}})
    assert {v["target"]: v["met"] for v in verdicts} == {
        "in-process create+poll < 2 ms": True,
        "in-process create <= 5.0x the bare route": True,
        "in-process poll <= 2.2x the bare route": False,
    }


@pytest.mark.slow
def test_quick_bench_prints_the_table_and_writes_json(tmp_path):
    out = tmp_path / "result.json"
    cmd = [sys.executable, "-m", "bench", "--quick", "--seconds", "0.5", "--load", "pyload"]
    cmd += ["--prism", "skip", "--skip", "contract", "--out", str(out)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "targets:" in done.stdout
    record = json.loads(out.read_text())
    servers = {(r["server"], r["endpoint"]) for r in record["throughput"] if r["rps"] > 0}
    assert servers == {(s, e) for s in ("fake", "ceiling") for e in ("create", "poll")}
    assert all(r["bad"] == 0 for r in record["throughput"])
    assert record["inprocess"]["pair_ms"] > 0
    assert record["inprocess"]["direct"]["bare_poll_us"] > 0
    assert record["memory"]["tasks"]["accepted"] == record["memory"]["tasks"]["tasks"]
