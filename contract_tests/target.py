"""The server under test: the built-in fake in-process, or any base URL, behind one `Api`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from mockserver.clock import ManualClock
from mockserver.profile import AccountSpec, Profile

from .api import Api
from .budget import Budget
from .control import MAIN_CREDITS, ROLE_CREDITS, ControlPlane
from .journal import Journal
from .observations import Observations
from .options import Settings
from .webhook_receiver import IN_PROCESS_URL, KitReceiver

AppFactory = Callable[[Profile, ManualClock], Any]

# Where `contract_tests.run(app_factory=…)` leaves the factory of the app to test in-process.
APP_FACTORY = pytest.StashKey[AppFactory]()


@dataclass(frozen=True)
class Keys:
    main: str
    second: str | None = None
    empty: str | None = None
    revoked: str | None = None
    # An account whose credits cost nothing (a fake's): invalid bodies are sent from it.
    free: str | None = None


class ManualPacer:
    """Time passes by advancing the in-process fake's manual clock."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)


class ControlPacer:
    """Time passes by asking the fake's control API (POST /_mock/clock/advance)."""

    def __init__(self, control: ControlPlane) -> None:
        self.control = control

    def wait(self, seconds: float) -> None:
        self.control.advance(seconds)


class SleepPacer:
    """A real target: time passes by waiting (`--poll-interval` replaces every wait)."""

    def __init__(self, interval: float | None = None) -> None:
        self.interval = interval

    def wait(self, seconds: float) -> None:
        time.sleep(self.interval if self.interval is not None else seconds)


@dataclass
class Target:
    api: Api
    keys: Keys
    budget: Budget
    pacer: ManualPacer | ControlPacer | SleepPacer
    description: str
    poll_timeout: float
    close: Callable[[], None]
    # What the run header says about the control plane.
    control_note: str = ""
    control: ControlPlane | None = None
    # Where webhook deliveries can be received (None: the delivery checks are skipped).
    receiver: KitReceiver | None = None
    receiver_url: str | None = None

    @property
    def control_plane(self) -> bool:
        """Whether the target's control plane is the kit's to use."""
        return self.control is not None


def fake_profile() -> tuple[Profile, Keys]:
    """The fake as the kit builds it: one account per role, no rate limit, no auto-provisioning."""
    main, second = "rvya_sk_contract_main", "rvya_sk_contract_second"
    empty, revoked = "rvya_sk_contract_empty", "rvya_sk_contract_revoked"
    free = "rvya_sk_contract_free"
    profile = Profile(
        rate_limit_per_minute=0,
        auto_provision_keys=False,
        accounts=(
            AccountSpec(main, credits=MAIN_CREDITS),
            AccountSpec(second, credits=ROLE_CREDITS["second"]),
            AccountSpec(empty, credits=ROLE_CREDITS["empty"]),
            AccountSpec(revoked, credits=ROLE_CREDITS["revoked"], revoked=True),
            AccountSpec(free, credits=ROLE_CREDITS["free"]),
        ),
    )
    return profile, Keys(main, second, empty, revoked, free)


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
    receiver = KitReceiver()
    dispatcher = getattr(getattr(app, "state", None), "dispatcher", None)
    if dispatcher is not None:  # the fake delivers webhooks to the kit's receiver, in-process
        dispatcher.use_transport(receiver.transport())

    def close() -> None:
        client.close()
        if dispatcher is not None:
            dispatcher.stop()

    return Target(
        api=Api(client, journal, observations),
        keys=keys,
        budget=Budget(settings.max_credits),
        pacer=ManualPacer(clock),
        description="built-in fake (in-process, manual clock)",
        poll_timeout=settings.poll_timeout,
        close=close,
        control_note="in-process: the kit owns its accounts and clock",
        control=ControlPlane(client, None),
        receiver=receiver if dispatcher is not None else None,
        receiver_url=IN_PROCESS_URL if dispatcher is not None else None,
    )


def _given_keys(settings: Settings) -> Keys:
    assert settings.api_key
    return Keys(
        settings.api_key, settings.second_api_key, settings.empty_api_key, settings.revoked_api_key
    )


def _use_control_plane(control: ControlPlane, client: httpx.Client, keys: Keys) -> tuple[Keys, str]:
    """Make the accounts the user did not give, and let the kit's accounts off the rate limit."""
    made = {
        role: control.make_account(role)
        for role in ("second", "empty", "revoked", "free")
        if getattr(keys, role) is None
    }
    keys = Keys(**{**keys.__dict__, **{r: k for r, k in made.items() if k}})
    # A fake that provisions keys on first use makes the main account here.
    client.get("/api/v1/credits", headers={"Authorization": f"Bearer {keys.main}"})
    spenders = [k for k in (keys.main, keys.free, keys.second, keys.empty) if k]
    lifted = all([control.lift_rate_limit(key) for key in spenders])
    parts = ["control plane found"]
    if control.made:
        parts.append("made the " + ", ".join(control.made) + " account(s)")
    parts.append("rate limit lifted for the kit's accounts" if lifted else "rate limit kept")
    return keys, ", ".join(parts)


def http_target(settings: Settings, journal: Journal, observations: Observations) -> Target:
    assert settings.base_url and settings.api_key
    client = httpx.Client(base_url=settings.base_url, timeout=60.0, follow_redirects=False)
    control = ControlPlane(client, settings.control_token)
    probe = control.probe()
    keys = _given_keys(settings)
    pacer: ControlPacer | SleepPacer = SleepPacer(settings.poll_interval)
    found = probe == 200
    if found:
        keys, note = _use_control_plane(control, client, keys)
        pacer = ControlPacer(control)
    elif probe in (401, 403):
        note = f"control plane refused the probe ({probe}): give --control-token to use it"
    else:
        note = "no control plane (POST /_mock/clock/advance did not answer 200)"

    receiver, receiver_url = None, settings.webhook_receiver_url
    if receiver_url:
        receiver = KitReceiver()
        receiver.serve(settings.webhook_receiver_port)
    elif found:  # a rivya-mock: a receiver here, behind a public-looking URL it aliases
        receiver = KitReceiver()
        receiver.serve(0)
        local = f"http://127.0.0.1:{receiver.port}"
        host = urlsplit(IN_PROCESS_URL).hostname or ""
        aliased = control.alias_webhook_host(host, local)
        receiver_url = IN_PROCESS_URL if aliased else f"{local}/hook"

    def close() -> None:
        control.restore()
        client.close()
        if receiver is not None:
            receiver.stop()

    return Target(
        api=Api(client, journal, observations),
        keys=keys,
        budget=Budget(settings.max_credits),
        pacer=pacer,
        description=f"{settings.base_url}" + (" (control plane found)" if found else ""),
        poll_timeout=settings.poll_timeout,
        close=close,
        control_note=note,
        control=control if found else None,
        receiver=receiver,
        receiver_url=receiver_url,
    )
