"""Wall time of the contract kit's free checks against the fake in-process, when the kit is installed."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import time

_COUNTS = re.compile(r"\d+ (passed|failed|error)")


def available() -> str:
    """'' when the kit can run, else the reason it is skipped."""
    if importlib.util.find_spec("contract_tests") is None:
        return "contract_tests is not installed"
    if importlib.util.find_spec("contract_tests.cli") is None:
        return "contract_tests has no command line yet"
    return ""


def command() -> list[str]:
    """The free checks (not marked `paid`) against the built-in fake, in-process (no --base-url)."""
    return [sys.executable, "-m", "contract_tests", "-m", "not paid", "-q"]


def measure(timeout: float = 300) -> dict:
    began = time.perf_counter()
    done = subprocess.run(command(), capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - began
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    summary = next((line.strip("= ") for line in reversed(lines) if _COUNTS.search(line)), "")
    return {
        "seconds": round(elapsed, 2),
        "exit_code": done.returncode,
        "summary": summary or (lines[-1] if lines else ""),
        "command": "rivya-contract " + " ".join(repr(a) if " " in a else a for a in command()[3:]),
    }
