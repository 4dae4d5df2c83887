"""Find or install Stoplight Prism (from the npm registry, into bench/.prism) and build its command."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

CACHE = Path(__file__).parent / ".prism"
PACKAGE = "@stoplight/prism-cli@5"
ENTRY = CACHE / "node_modules" / "@stoplight" / "prism-cli" / "dist" / "index.js"


def installed() -> bool:
    return ENTRY.exists() and shutil.which("node") is not None


def ensure(install: bool) -> str:
    """Return '' when Prism is ready, else the reason it is skipped; installs it when allowed."""
    if installed():
        return ""
    if not shutil.which("node") or not shutil.which("npm"):
        return "node/npm not found"
    if not install:
        return "not installed (run the full bench once to install it into bench/.prism)"
    CACHE.mkdir(exist_ok=True)
    cmd = ["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", "--loglevel=error"]
    try:
        done = subprocess.run([*cmd, PACKAGE], capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return "npm install timed out"
    if done.returncode != 0 or not installed():
        return f"npm install failed: {done.stderr.strip()[-300:]}"
    return ""


def command(document: Path, port: int) -> list[str]:
    """Prism in static mock mode with per-request logging off: its best showing."""
    node = shutil.which("node") or "node"
    return [
        node,
        str(ENTRY),
        "mock",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-v",
        "error",
        str(document),
    ]
