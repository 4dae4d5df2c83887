"""`run()`: the kit in this process, returning its exit code and JSON report.

Imports of the fake wait until a run starts, so that pytest can still rewrite its plugins' asserts.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .cli import pytest_args


@dataclass(frozen=True)
class RunResult:
    exit_code: int
    report: dict[str, Any] = field(default_factory=dict)

    def outcomes(self) -> dict[str, str]:
        return {c["id"]: c["outcome"] for c in self.report.get("checks", [])}

    def failed(self) -> list[str]:
        return [name for name, outcome in self.outcomes().items() if outcome == "failed"]


class _AppFactoryPlugin:
    def __init__(self, factory: Callable[..., Any]) -> None:
        self.factory = factory

    def pytest_configure(self, config: pytest.Config) -> None:
        from .target import APP_FACTORY

        config.stash[APP_FACTORY] = self.factory


def run(args: Sequence[str] = (), *, app_factory: Callable[..., Any] | None = None) -> RunResult:
    """Run the kit; `app_factory(profile, clock)` builds the ASGI app to test (default: the fake)."""
    plugins = [_AppFactoryPlugin(app_factory)] if app_factory else []
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        code = pytest.main(pytest_args([*args, "--report", str(report), "-q"]), plugins=plugins)
        data = json.loads(report.read_text("utf-8")) if report.exists() else {}
    return RunResult(int(code), data)
