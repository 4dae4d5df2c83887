"""Helpers for the OpenAPI tests: the served fake, its document, and outside tools run on it."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mockserver import MockServer

NODE_PACKAGES = Path(__file__).resolve().parent / "node" / "package.json"
# Outside tools may only reach the package registries: no telemetry, no update checks.
QUIET_ENV = {
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "REDOCLY_SUPPRESS_NOTIFICATIONS": "true",
    "NO_UPDATE_NOTIFIER": "1",
    "NPM_CONFIG_UPDATE_NOTIFIER": "false",
    "NPM_CONFIG_FUND": "false",
    "NPM_CONFIG_AUDIT": "false",
}


def tool_env(**extra: str) -> dict[str, str]:
    """The environment for outside tools: ours, with this venv's scripts first on PATH."""
    scripts = str(Path(sys.executable).parent)
    path = scripts + os.pathsep + os.environ.get("PATH", "")
    return {**os.environ, **QUIET_ENV, "PATH": path, **extra}


def run(command: list[str], cwd: Path, timeout: float = 300, **env: str) -> str:
    """Run a tool; fail the test with its whole output if it exits non-zero."""
    done = subprocess.run(
        command,
        cwd=cwd,
        env=tool_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{output}"
    return output


def install_node_tools(folder: Path) -> Path:
    """`npm install` the pinned tools of tests/node into `folder`; their bin directory."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the TypeScript and linter tests")
    shutil.copy(NODE_PACKAGES, folder / "package.json")
    run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], folder, timeout=600)
    return folder / "node_modules" / ".bin"


def served_fake(**knobs: object) -> MockServer:
    """A fake on a real socket with room for generated traffic (no rate limit, many credits)."""
    knobs = {"rate_limit_per_minute": 0, "credits": 1_000_000, **knobs}
    return MockServer(seed=11, **knobs)  # type: ignore[arg-type]


def save_document(mock: MockServer, folder: Path) -> Path:
    """The document exactly as served, saved for tools that read files."""
    response = httpx.get(mock.url + "/api/v1/openapi.json")
    assert response.status_code == 200
    path = folder / "openapi.json"
    path.write_bytes(response.content)
    return path


def readme_command(program: str, base_url: str) -> list[str]:
    """The README's one-line command that starts with `program`, aimed at `base_url`."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Generating a typed client", 1)[1].split("\n## ", 1)[0]
    (line,) = [s for s in section.splitlines() if s.startswith(program + " ")]
    return shlex.split(line.replace("http://127.0.0.1:8000", base_url))[len(program.split()) :]
