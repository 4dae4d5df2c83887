"""Schemathesis, driven by the served document, finds no failure against the fake on a socket.

Every check runs but positive-data acceptance (the document cannot say everything the fake checks,
e.g. that a reference URL names an uploaded file) and use-after-free (DELETE on a webhook
endpoint revokes it, and spec §14 says a revoked endpoint still answers GET and is listed).
Bounded: a few examples per operation, a fixed seed. The second run uses non-default knobs, so the
document must follow them.

Schemathesis lives in its own venv, made once per module: importing it (its pytest plugin loads
by itself) swaps Hypothesis' example printer for one that prints nothing, which would blank the
falsifying examples of every other property test in the same environment.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from openapi_tools import run, served_fake

pytestmark = pytest.mark.slow
SCHEMATHESIS = "schemathesis==4.32.5"


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python of a fresh venv holding Schemathesis (pinned)."""
    venv = tmp_path_factory.mktemp("schemathesis") / "venv"
    run([sys.executable, "-m", "venv", str(venv)], venv.parent)
    interpreter = venv / "bin" / "python"
    pip = [str(interpreter), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run([*pip, SCHEMATHESIS], venv.parent, timeout=600)
    return interpreter


def schemathesis(python: Path, url: str, key: str, folder: Path, *options: str) -> str:
    """Schemathesis' output; the test fails (with that output) if it exits non-zero."""
    command = [str(python), "-m", "schemathesis.cli", "run", url + "/api/v1/openapi.json"]
    command += ["--header", f"Authorization: Bearer {key}"]
    command += ["--checks", "all", "--exclude-checks", "positive_data_acceptance,use_after_free"]
    command += ["--max-examples", "5", "--seed", "1", "--no-shrink", "--request-timeout", "10"]
    output = run([*command, *options], folder, timeout=300, NO_COLOR="1")
    print(output)
    assert "Test cases:" in output
    assert not re.search(r"\b[1-9]\d* (unique )?(failures?|errors?)\b", output)
    return output


def test_schemathesis_finds_no_failure_with_the_default_knobs(python: Path, tmp_path: Path) -> None:
    with served_fake() as mock:
        schemathesis(python, mock.url, mock.api_key, tmp_path)


def test_schemathesis_finds_no_failure_with_other_statuses(python: Path, tmp_path: Path) -> None:
    knobs = {"create_status": 201, "file_create_status": 200, "insufficient_credits_status": 400}
    with served_fake(credits=10, **knobs) as mock:
        # the coverage phase has run with the defaults above; here the statuses are what matter
        schemathesis(python, mock.url, mock.api_key, tmp_path, "--phases", "fuzzing,stateful")
