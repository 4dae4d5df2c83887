"""A violation the kit finds fails its check at once, and never drains the credit budget."""

from __future__ import annotations

from typing import Any

import pytest
from broken_servers import accepts_over_long_prompt, refund_only_when_polled

import contract_tests
from contract_tests.target import MAIN_CREDITS, fake_profile
from mockserver import SystemClock, create_app, in_process_client
from mockserver.catalog import catalog
from mockserver.server import ServerThread


class WithoutControlPlane:
    """The app as a real target looks: `/_mock` is an unknown route."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/_mock"):
            scope = {**scope, "path": "/no-such-route"}
        await self.app(scope, receive, send)


def test_an_accepted_invalid_body_fails_at_once_and_spends_one_create_at_most() -> None:
    profile, keys = fake_profile()
    app = accepts_over_long_prompt()(
        profile.replace(queued_seconds=0, processing_seconds=0), SystemClock()
    )
    server = ServerThread(WithoutControlPlane(app)).start()
    try:
        result = contract_tests.run(
            [
                "--examples", "20", "--seed", "1", "-k", "test_validation",
                "--base-url", server.url, "--api-key", keys.main,
                "--empty-api-key", keys.empty, "--max-credits", "30",
                "--poll-interval", "0",
            ]
        )  # fmt: skip
    finally:
        server.stop()
    assert result.exit_code == 1
    outcomes = result.outcomes()
    over_long = next(name for name in outcomes if "prompt at most" in name)
    assert outcomes[over_long] == "failed", outcomes[over_long]
    check = next(c for c in result.report["checks"] if c["id"] == over_long)
    assert check["phase"] == "call" and "must be refused was accepted" in check["message"]
    with in_process_client(app.app) as client:
        balance = client.get(
            "/api/v1/credits", headers={"Authorization": f"Bearer {keys.main}"}
        ).json()["current_credits"]
    dearest = max(model.base_credits for model in catalog().values())
    assert MAIN_CREDITS - balance <= dearest, "accepted invalid bodies drained the budget"
    assert result.report["budget"]["spent"] <= dearest


@pytest.mark.parametrize("broken", [False, True], ids=["correct", "refund only when polled"])
def test_without_a_control_plane_a_refund_is_looked_for_before_polling(broken: bool) -> None:
    """Every task fails at once; the kit reads GET /credits (over a second later, by the server's
    Date) before it polls. The broken server refunds only when the task is polled."""
    profile, keys = fake_profile()
    failing = profile.replace(failure_rate=1.0, queued_seconds=0, processing_seconds=0)
    factory = refund_only_when_polled() if broken else create_app
    app = factory(failing, clock=SystemClock())
    server = ServerThread(WithoutControlPlane(app)).start()
    try:
        result = contract_tests.run(
            [
                "--examples", "1", "--seed", "1", "-k", "test_default_request",
                "--base-url", server.url, "--api-key", keys.main, "--max-credits", "10",
                "--poll-interval", "4.5",  # over the 2 s margin, Date in whole seconds, refreshed each second
            ]
        )  # fmt: skip
    finally:
        server.stop()
    if not broken:
        assert result.exit_code == 0, result.failed()
        return
    assert result.exit_code == 1
    (check,) = [c for c in result.report["checks"] if c["outcome"] == "failed"]
    assert "whoever polls" in check["message"]
