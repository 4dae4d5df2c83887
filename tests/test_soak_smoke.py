"""The soak benchmark (bench/soak.py) runs end to end with a small N: every malformed kind gets a
4xx in the envelope's place, never a 500, and an upload goes through. Its RSS targets are for the
full run (`python -m bench soak`), not for this smoke test."""

from __future__ import annotations

import pytest

from bench import soak

pytestmark = pytest.mark.slow


def test_soak_sends_every_kind_and_reports_rss():
    kinds = len(soak.KINDS) + len(soak.RAW_KINDS)
    result = soak.run(requests=2 * kinds, uploads=1, upload_mb=2.0, log=lambda line: None)
    assert result["server_errors"] == 0
    answered = {key.rsplit(":", 1)[0]: int(key.rsplit(":", 1)[1]) for key in result["statuses"]}
    assert set(answered) == {*soak.KINDS, *soak.RAW_KINDS}
    assert answered.pop("disconnect_mid_body") == 0  # nobody is left to read an answer
    assert all(400 <= status < 500 for status in answered.values()), answered
    assert result["upload_statuses"] == {"201": 1}
    assert all(value > 0 for value in result["rss_mib"].values())


def test_soak_reports_a_missed_target():
    result = {
        "malformed_growth_mib": 30.0,
        "upload_growth_mib": 1.0,
        "uploads": 1,
        "server_errors": 0,
        "targets": {"malformed_growth_mib_below": 25.0, "upload_growth_mib_below": 25.0},
    }
    assert soak.missed(result) == ["malformed requests grew RSS by 30.0 MiB"]
