"""The pytest plugin of rivya-mock (registered through the `pytest11` entry point).

Nothing starts unless a test asks: `rivya_mock` gives each test the session's server, reset, with
the settings of its `@pytest.mark.rivya_mock(...)` marker. A project overrides the
`rivya_mock_profile`, `rivya_mock_seed`, `rivya_mock_clock` or `rivya_mock_control_token`
fixtures to change the defaults.
`rivya_webhooks` is a receiver for the fake's webhooks: it records and verifies deliveries, on a
free port (`.url`) or in-process (`.in_process_url`), and `wait_for(type, task_id)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the fixtures import it when first asked for
    from mockserver.mock import MockServer
    from mockserver.webhooks.receiver import WebhookReceiver

MARKER = (
    "rivya_mock(**settings): per-test settings for the rivya_mock fixture: any profile "
    "knob, credits=N (the ready account), chaos=P, seed=N, clock='manual'|'real'"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)


@pytest.fixture(scope="session")
def rivya_mock_profile() -> Any:
    """The server's profile (override to change its knobs for the whole session). Webhook URLs
    may point at this machine (`webhook_urls=local`), so a test's receiver works."""
    from mockserver.profile import Profile

    return Profile(webhook_urls="local")


@pytest.fixture(scope="session")
def rivya_mock_seed() -> int | None:
    """The seed every test starts from (ids, outcomes, faults): fixed, so runs repeat."""
    return 0


@pytest.fixture(scope="session")
def rivya_mock_clock() -> str:
    """`real` (the default; `advance` still moves it) or `manual`."""
    return "real"


@pytest.fixture(scope="session")
def rivya_mock_control_token() -> str | None:
    """A token `/_mock` over HTTP must carry (`Authorization: Bearer …`); None: no token."""
    return None


@pytest.fixture(scope="session")
def rivya_webhooks_receiver() -> Iterator[WebhookReceiver]:
    """The session's webhook receiver (its socket opens only if a test uses `.url`)."""
    from mockserver.webhooks.receiver import WebhookReceiver

    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def rivya_mock_server(
    rivya_mock_profile: Any,
    rivya_mock_seed: int | None,
    rivya_mock_clock: str,
    rivya_mock_control_token: str | None,
    rivya_webhooks_receiver: WebhookReceiver,
) -> Iterator[MockServer]:
    """One fake per session, served on a free port of 127.0.0.1 (state is not reset)."""
    from mockserver.mock import MockServer

    with MockServer(
        rivya_mock_profile,
        seed=rivya_mock_seed,
        clock=rivya_mock_clock,
        control_token=rivya_mock_control_token,
        webhook_transport=rivya_webhooks_receiver.transport(),
    ) as server:
        rivya_webhooks_receiver.mock = server
        yield server


def marker_settings(node: pytest.Item) -> dict[str, Any]:
    """The settings of every `rivya_mock` marker on the test, the closest one winning."""
    settings: dict[str, Any] = {}
    for marker in reversed(list(node.iter_markers("rivya_mock"))):
        if marker.args:
            raise pytest.UsageError("@pytest.mark.rivya_mock takes keyword arguments only")
        settings.update(marker.kwargs)
    return settings


@pytest.fixture
def rivya_mock(
    request: pytest.FixtureRequest, rivya_mock_server: MockServer
) -> Iterator[MockServer]:
    """The session's `MockServer`, reset before and after the test, with the marker's settings."""
    rivya_mock_server.reset(**marker_settings(request.node))
    yield rivya_mock_server
    rivya_mock_server.reset()


@pytest.fixture
def rivya_webhooks(
    rivya_mock: MockServer, rivya_webhooks_receiver: WebhookReceiver
) -> Iterator[WebhookReceiver]:
    """A receiver for `rivya_mock`'s webhooks, emptied for each test.

    endpoint = rivya_webhooks.subscribe()            # or point your own endpoint at .url
    ...create a generation, advance the clock...
    delivery = rivya_webhooks.wait_for("generation.succeeded", task_id)
    assert delivery.verified                         # signed with the endpoint's secret
    """
    rivya_webhooks_receiver.mock = rivya_mock
    rivya_webhooks_receiver.status = 200
    rivya_webhooks_receiver.clear()
    yield rivya_webhooks_receiver
    rivya_webhooks_receiver.clear()
