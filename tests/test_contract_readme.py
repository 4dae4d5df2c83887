"""The README's contract-kit command passes, as written, against a plain `rivya-mock` (real clock,
default rate limit, auto-provisioned keys), using its control plane, with only explained skips."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def readme_kit_command() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    lines = re.findall(r"^rivya-contract --base-url http://127\.0\.0\.1:8000 .*$", text, re.M)
    assert len(lines) == 1, "the README shows one rivya-contract command against a local fake"
    return shlex.split(lines[0].split("#")[0])


@pytest.fixture
def plain_fake(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`rivya-mock --port 0` exactly as a user starts it (and stopped by its pid)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    url = process.stdout.readline().split()[-1]
    yield url, tmp_path
    process.terminate()
    process.wait(10)
    process.stdout.close()


def test_readme_kit_command_passes_against_a_plain_fake(plain_fake: tuple[str, Path]) -> None:
    url, folder = plain_fake
    command = readme_kit_command()
    assert command[0] == "rivya-contract" and "--max-credits" in command
    args = [url if word == "http://127.0.0.1:8000" else word for word in command[1:]]
    report = folder / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "contract_tests", *args, "--report", str(report)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,  # the bound is a minute; a loaded CI machine gets twice that
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "control plane found" in done.stdout
    data = json.loads(report.read_text("utf-8"))
    # Every skip explains itself by the flag or knob that would run it (e.g. the webhook checks
    # need a receiver the fake may reach); the control plane leaves no key missing.
    reasons = [c["reason"] for c in data["checks"] if c["outcome"] == "skipped"]
    assert all("--" in reason for reason in reasons), reasons
    assert not [r for r in reasons if "api-key" in r or "control plane" in r], reasons
    assert data["summary"]["passed"] >= 60
    assert data["budget"]["spent"] <= int(command[command.index("--max-credits") + 1])
