"""The server under test: the built-in fake in-process, or any base URL, behind one `Api`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mockserver.clock import ManualClock
from mockserver.profile import AccountSpec, Profile

from .api import Api
from .budget import Budget
from .journal import Journal
from .observations import Observations
from .options import Settings

AppFactory = Callable[[Profile, ManualClock], Any]

MAIN_CREDITS = 1_000_000
# Where `contract_tests.run(app_factory=…)` leaves the factory of the app to test in-process.
APP_FACTORY = pytest.StashKey[AppFactory]()


@dataclass(frozen=True)
class Keys:
    main: str
    second: str | None = None
    empty: str | None = None
    revoked: str | None = None


class ManualPacer:
    """Time passes by advancing the in-process fake's manual clock."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)


class ControlPacer:
    """Time passes by asking the fake's control API (POST /_mock/clock/advance)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def wait(self, seconds: float) -> None:
        response = self.client.post("/_mock/clock/advance", json={"seconds": seconds})
        response.raise_for_status()


class SleepPacer:
    """A real target: time passes by waiting."""

    def wait(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass
class Target:
    api: Api
    keys: Keys
    budget: Budget
    pacer: ManualPacer | ControlPacer | SleepPacer
    control_plane: bool
    description: str
    poll_timeout: float
    close: Callable[[], None]


def fake_profile() -> tuple[Profile, Keys]:
    """The fake as the kit builds it: one account per role, no rate limit, no auto-provisioning."""
    main, second = "rvya_sk_contract_main", "rvya_sk_contract_second"
    empty, revoked = "rvya_sk_contract_empty", "rvya_sk_contract_revoked"
    profile = Profile(
        rate_limit_per_minute=0,
        auto_provision_keys=False,
        accounts=(
            AccountSpec(main, credits=MAIN_CREDITS),
            AccountSpec(second, credits=1000),
            AccountSpec(empty, credits=0),
            AccountSpec(revoked, credits=1000, revoked=True),
        ),
    )
    return profile, Keys(main, second, empty, revoked)


def default_app_factory(seed: int | None) -> AppFactory:
    from mockserver.app import create_app

    return lambda profile, clock: create_app(profile, seed=seed, clock=clock)


def fake_target(
    settings: Settings,
    journal: Journal,
    observations: Observations,
    app_factory: AppFactory | None = None,
) -> Target:
    from mockserver.transport import in_process_client

    profile, keys = fake_profile()
    clock = ManualClock()
    app = (app_factory or default_app_factory(settings.seed))(profile, clock)
    client = in_process_client(app, follow_redirects=False)
    return Target(
        api=Api(client, journal, observations),
        keys=keys,
        budget=Budget(settings.max_credits),
        pacer=ManualPacer(clock),
        control_plane=True,
        description="built-in fake (in-process, manual clock)",
        poll_timeout=settings.poll_timeout,
        close=client.close,
    )


def _has_control_plane(client: httpx.Client) -> bool:
    try:
        return client.post("/_mock/clock/advance", json={"seconds": 0}).status_code == 200
    except httpx.HTTPError:
        return False


def http_target(settings: Settings, journal: Journal, observations: Observations) -> Target:
    assert settings.base_url and settings.api_key
    client = httpx.Client(base_url=settings.base_url, timeout=60.0, follow_redirects=False)
    control = _has_control_plane(client)
    keys = Keys(
        settings.api_key, settings.second_api_key, settings.empty_api_key, settings.revoked_api_key
    )
    return Target(
        api=Api(client, journal, observations),
        keys=keys,
        budget=Budget(settings.max_credits),
        pacer=ControlPacer(client) if control else SleepPacer(),
        control_plane=control,
        description=f"{settings.base_url}" + (" (control plane found)" if control else ""),
        poll_timeout=settings.poll_timeout,
        close=client.close,
    )
