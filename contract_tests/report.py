"""The JSON report: each check with its outcome, skip reason, failing exchanges, and how to reproduce."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from .reproduce import command_line

MESSAGE_LIMIT = 4000


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


class Report:
    """A pytest plugin that gathers every check's outcome and writes the report and profile at the end."""

    def __init__(self, kit: Any, config: pytest.Config) -> None:
        self.kit = kit
        self.config = config
        self.checks: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        entry = self.checks.setdefault(report.nodeid, {"id": report.nodeid, "outcome": "passed"})
        if report.skipped and entry["outcome"] == "passed":
            entry.update(outcome="skipped", reason=_skip_reason(report))
        elif report.failed:
            entry.update(
                outcome="failed",
                phase=report.when,
                message=str(report.longrepr)[-MESSAGE_LIMIT:],
                exchanges=self.kit.journal.exchanges(report.nodeid),
            )

    def document(self) -> dict[str, Any]:
        kit = self.kit
        budget = kit.target.budget if kit.target else None
        return {
            "target": kit.target.description if kit.target else None,
            "control_plane": kit.target.control_note if kit.target else None,
            "seed": kit.seed,
            "reproduce": command_line(kit.settings, kit.seed, self.config),
            "budget": {"limit": budget.limit, "spent": budget.charged} if budget else None,
            "summary": dict(Counter(c["outcome"] for c in self.checks.values())),
            "observations": kit.observations.summary(),
            "checks": list(self.checks.values()),
        }

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        settings = self.kit.settings
        if settings.report:
            text = json.dumps(self.document(), indent=2, ensure_ascii=False)
            Path(settings.report).write_text(text + "\n", "utf-8")
        if settings.profile_out:
            self.kit.observations.write_profile(settings.profile_out)
