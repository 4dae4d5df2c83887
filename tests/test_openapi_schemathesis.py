"""Schemathesis, driven by the served document, finds no failure against the fake on a socket.

Every check runs but positive-data acceptance (the document cannot say everything the fake checks,
e.g. that a reference URL names an uploaded file). Bounded: a few examples per operation, a fixed
seed. The second run uses non-default knobs, so the document must follow them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from openapi_tools import run, served_fake

pytestmark = pytest.mark.slow
SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli", "run"]


def schemathesis(url: str, key: str, folder: Path, *options: str) -> str:
    """Schemathesis' output; the test fails (with that output) if it exits non-zero."""
    command = [
        *SCHEMATHESIS,
        url + "/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {key}",
    ]
    command += ["--checks", "all", "--exclude-checks", "positive_data_acceptance"]
    command += ["--max-examples", "5", "--seed", "1", "--no-shrink", "--request-timeout", "10"]
    output = run([*command, *options], folder, timeout=300, NO_COLOR="1")
    print(output)
    assert "Test cases:" in output
    assert not re.search(r"\b[1-9]\d* (unique )?(failures?|errors?)\b", output)
    return output


def test_schemathesis_finds_no_failure_with_the_default_knobs(tmp_path: Path) -> None:
    with served_fake() as mock:
        schemathesis(mock.url, mock.api_key, tmp_path)


def test_schemathesis_finds_no_failure_with_other_statuses(tmp_path: Path) -> None:
    knobs = {"create_status": 201, "file_create_status": 200, "insufficient_credits_status": 400}
    with served_fake(credits=10, **knobs) as mock:
        # the coverage phase has run with the defaults above; here the statuses are what matter
        schemathesis(mock.url, mock.api_key, tmp_path, "--phases", "fuzzing,stateful")
