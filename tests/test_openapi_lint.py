"""Two OpenAPI linters nobody here wrote accept the served document: no errors (warnings shown)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openapi_tools import save_document, served_fake, tool_env

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with served_fake() as mock:
        return save_document(mock, tmp_path_factory.mktemp("lint"))


def _broken_copy(document: Path, name: str) -> Path:
    """The document with one array left without `items` and two operations with one id."""
    broken = json.loads(document.read_text())
    broken["components"]["schemas"]["Model"]["properties"]["notices"].pop("items")
    broken["paths"]["/api/v1/credits"]["get"]["operationId"] = "list_models"
    path = document.parent / name
    path.write_text(json.dumps(broken))
    return path


def redocly(node_tools: Path, document: Path) -> tuple[int, str]:
    done = subprocess.run(
        [str(node_tools / "redocly"), "lint", str(document), "--format=stylish"],
        cwd=document.parent,
        env=tool_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout + done.stderr


def spectral(node_tools: Path, document: Path) -> list[dict[str, Any]]:
    """Spectral's findings with its OpenAPI ruleset (severity 0 is an error, 1 a warning)."""
    ruleset = document.parent / ".spectral.json"
    ruleset.write_text(json.dumps({"extends": ["spectral:oas"]}))
    findings = document.with_suffix(".spectral.json")
    command = [str(node_tools / "spectral"), "lint", str(document), "--ruleset", str(ruleset)]
    command += ["--format", "json", "--output", str(findings), "--fail-severity", "error"]
    done = subprocess.run(
        command, cwd=document.parent, env=tool_env(), capture_output=True, text=True, timeout=300
    )
    assert findings.is_file(), done.stdout + done.stderr
    result: list[dict[str, Any]] = json.loads(findings.read_text() or "[]")
    return result


def test_redocly_lint_finds_no_errors(node_tools: Path, document: Path) -> None:
    status, output = redocly(node_tools, document)
    print(output)  # the warnings, for the record
    assert status == 0, output
    assert "0 errors" in output or "Woohoo" in output


def test_redocly_lint_reports_a_broken_document(node_tools: Path, document: Path) -> None:
    status, output = redocly(node_tools, _broken_copy(document, "broken-redocly.json"))
    assert status != 0, output


def test_spectral_lint_finds_no_errors(node_tools: Path, document: Path) -> None:
    findings = spectral(node_tools, document)
    for finding in findings:  # the warnings, for the record
        print(f"spectral {finding['code']}: {finding['message']} at {finding['path']}")
    assert not [f for f in findings if f["severity"] == 0]


def test_spectral_lint_reports_an_array_without_items(node_tools: Path, document: Path) -> None:
    findings = spectral(node_tools, _broken_copy(document, "broken-spectral.json"))
    assert "array-items" in {f["code"] for f in findings if f["severity"] == 0}
