"""The kit passes a correct server that decides differently at every [decision] (tests/alt_server),
over a real socket, and reports what it saw there instead of failing it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alt_server import Served, create_app, serve

import contract_tests

KEYS = {
    "main": "rvya_sk_alt_main_0001",
    "second": "rvya_sk_alt_second_0002",
    "empty": "rvya_sk_alt_empty_0003",
    "revoked": "rvya_sk_alt_revoked_0004",
}


@pytest.fixture(scope="module")
def alternative() -> Iterator[Served]:
    accounts = {KEYS["main"]: 100_000, KEYS["second"]: 1000, KEYS["empty"]: 0}
    served = serve(create_app(accounts, revoked=(KEYS["revoked"],)))
    yield served
    served.stop()


@pytest.fixture(scope="module")
def report(alternative: Served) -> dict:
    result = contract_tests.run(
        [
            "--examples", "3", "--seed", "5",
            "--base-url", alternative.url,
            "--api-key", KEYS["main"], "--second-api-key", KEYS["second"],
            "--empty-api-key", KEYS["empty"], "--revoked-api-key", KEYS["revoked"],
            "--max-credits", "120", "--poll-interval", "0.1", "--poll-timeout", "30",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.failed()
    return result.report


@pytest.mark.slow
def test_kit_passes_a_server_that_decides_differently(report: dict) -> None:
    assert report["summary"]["passed"] > 50
    skipped = {c["id"]: c["reason"] for c in report["checks"] if c["outcome"] == "skipped"}
    # The alternative server has no webhook API: those checks skip and say so.
    webhooks = {i: r for i, r in skipped.items() if "test_webhooks" in i}
    assert all("no webhook API" in r or "control plane" in r for r in webhooks.values()), webhooks
    skipped = {i: r for i, r in skipped.items() if i not in webhooks}
    # Only checks needing a rivya-mock's control plane, or a field of a [decision] shape, may be
    # skipped, and they say so.
    assert all("control plane" in r or "[decision]" in r for r in skipped.values()), skipped
    assert len(skipped) <= 4, skipped


@pytest.mark.slow
def test_kit_reports_the_other_decisions_it_saw(report: dict) -> None:
    seen = {name: entry["value"] for name, entry in report["observations"].items()}
    assert seen["create_status"] == 201
    assert seen["file_create_status"] == 200
    assert seen["insufficient_credits_status"] == 403
    assert seen["prompt_length_unit"] == "utf16"
    assert seen["reference_urls"] == "any_https"
    assert seen["unknown_params"] == "ignored"
    assert seen["replay_keeps_original_status"] is False
    assert seen["file_object_shape"] != "as rivya-mock"
    assert seen["model_entry_shape"] != "as rivya-mock"


def test_the_alternative_server_is_written_without_mockserver() -> None:
    import ast
    from pathlib import Path

    import alt_server

    for path in Path(alt_server.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        imported = {
            name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for name in (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
        }
        assert "mockserver" not in imported and "contract_tests" not in imported, path
