"""The contract kit can fail: it passes against the fake and fails against fakes that break one rule."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from broken_servers import BROKEN, file_object_named_otherwise

import contract_tests
from contract_tests.target import fake_profile
from mockserver import ManualClock, create_app
from mockserver.profile import load_profile_file
from mockserver.server import ServerThread

FAST = ["--examples", "5", "--seed", "1"]
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_kit_passes_against_the_fake(tmp_path: Path) -> None:
    profile_out = tmp_path / "observed.json"
    result = contract_tests.run([*FAST, "--profile-out", str(profile_out)])
    assert result.exit_code == 0, result.failed()
    assert result.report["summary"]["passed"] > 40
    assert load_profile_file(profile_out).create_status == 202


def test_profile_out_records_what_the_target_did(tmp_path: Path) -> None:
    knobs = {
        "create_status": 201,
        "file_create_status": 200,
        "insufficient_credits_status": 403,
        "prompt_length_unit": "utf16",
        "reference_urls": "any_https",
    }
    out = tmp_path / "observed.json"
    result = contract_tests.run(
        [
            *FAST,
            "-k",
            "observed or insufficient or test_files or default_request",
            "--profile-out",
            str(out),
        ],
        app_factory=lambda profile, clock: create_app(profile.replace(**knobs), clock=clock),
    )
    assert result.exit_code == 0, result.failed()
    observed = load_profile_file(out)
    assert {name: getattr(observed, name) for name in knobs} == knobs


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_kit_fails_against_a_broken_fake(name: str) -> None:
    builder, checks = BROKEN[name]
    result = contract_tests.run([*FAST, "-x", "-k", checks], app_factory=builder())
    assert result.exit_code == 1, f"the kit passed a fake whose rule is broken: {name}"
    assert result.failed()


def test_kit_observes_the_file_object_shape_instead_of_asserting_it() -> None:
    result = contract_tests.run(
        [*FAST, "-k", "test_files or upload"], app_factory=file_object_named_otherwise()
    )
    assert result.exit_code == 0, result.failed()
    observed = result.report["observations"]["file_object_shape"]["value"]
    assert isinstance(observed, list) and any("mime_type" in problem for problem in observed)


@pytest.mark.parametrize("checks", sorted({checks for _, checks in BROKEN.values()}))
def test_checks_that_catch_a_broken_fake_pass_against_the_fake(checks: str) -> None:
    result = contract_tests.run([*FAST, "-k", checks])
    assert result.exit_code == 0, result.failed()
    assert result.report["summary"].get("passed")


def test_environment_variables_configure_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVYA_MAX_CREDITS", "0")
    result = contract_tests.run([*FAST, "-k", "test_default_request or test_catalog"])
    assert result.exit_code == 0, result.failed()
    assert result.report["budget"] == {"limit": 0, "spent": 0}
    skipped = [c for c in result.report["checks"] if c["outcome"] == "skipped"]
    assert [c["reason"] for c in skipped if "budget" in c["reason"]]


def test_failure_report_shows_the_exchange_and_the_seed() -> None:
    builder, checks = BROKEN["error without requestId"]
    result = contract_tests.run([*FAST, "-x", "-k", checks], app_factory=builder())
    failure = next(c for c in result.report["checks"] if c["outcome"] == "failed")
    assert failure["exchanges"] and failure["exchanges"][-1]["response"]["status"] >= 400
    assert fake_profile()[1].main not in json.dumps(failure["exchanges"]), "keys must be redacted"
    assert result.report["seed"] == 1


@pytest.mark.slow
def test_kit_passes_against_the_fake_over_http() -> None:
    profile, keys = fake_profile()
    server = ServerThread(create_app(profile, clock=ManualClock())).start()
    try:
        result = contract_tests.run(
            [
                *FAST,
                "--base-url",
                server.url,
                "--api-key",
                keys.main,
                "--second-api-key",
                keys.second,
                "--empty-api-key",
                keys.empty,
                "--revoked-api-key",
                keys.revoked,
                "--max-credits",
                "200",
            ]
        )
    finally:
        server.stop()
    assert result.exit_code == 0, result.failed()
    assert "control plane" in result.report["target"]
    # No check lacks a key or the control plane. (The webhook delivery checks may skip: this
    # fake keeps webhook_urls=public, which the URL-rule checks need, and they name the knob.)
    skipped = [c["reason"] for c in result.report["checks"] if c["outcome"] == "skipped"]
    assert not [r for r in skipped if "api-key" in r or "control plane" in r], skipped
    assert all("webhook_urls=local" in r for r in skipped), skipped


def _plugin_flags() -> list[str]:
    """`-p contract_tests.plugin` unless the pytest11 entry point already loads it."""
    plugins = entry_points(group="pytest11")
    return (
        []
        if any(p.value == "contract_tests.plugin" for p in plugins)
        else ["-p", "contract_tests.plugin"]
    )


@pytest.mark.slow
def test_pytest_pyargs_takes_the_kit_options_from_any_directory(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "pytest", *_plugin_flags(), "--pyargs", "contract_tests"]
    command += ["-p", "no:cacheprovider", "-k", "test_catalog", "--examples", "2", "--seed", "3"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "rerun with --seed 3" in done.stdout


@pytest.mark.slow
def test_cli_exit_status_says_whether_every_check_passed(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    command = [
        sys.executable,
        "-m",
        "contract_tests",
        "-k",
        "test_catalog",
        "--report",
        str(report),
    ]
    passed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert passed.returncode == 0, passed.stdout[-2000:]
    assert json.loads(report.read_text())["summary"]["passed"] >= 4
    unreachable = command + ["--base-url", "http://127.0.0.1:9", "--api-key", "rvya_sk_nobody_00"]
    failed = subprocess.run(unreachable, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1
