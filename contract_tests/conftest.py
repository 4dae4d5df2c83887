"""The kit as a pytest plugin: options, Hypothesis profiles, the target and its fixtures, the report."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import pytest
from hypothesis import HealthCheck, configuration, core, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.errors import InvalidArgument

from .catalog import Catalog
from .checks import is_success
from .journal import Journal
from .media import tiny_png
from .observations import Observations
from .options import Settings, add_options, read_settings
from .polling import finish_open_tasks
from .report import Report
from .target import APP_FACTORY, Target, fake_target, http_target
from .usage import version


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@dataclass
class Kit:
    """The run's shared state, kept on the pytest config (never in module globals)."""

    settings: Settings
    seed: int
    journal: Journal = field(default_factory=Journal)
    observations: Observations = field(default_factory=Observations)
    target: Target | None = None
    saved_profile: str = "default"
    saved_profiles: dict[str, Any] = field(default_factory=dict)
    saved_seed: Any = None
    saved_home: Any = None
    hypothesis_db: Path | None = None


KIT = pytest.StashKey[Kit]()


KIT_PROFILES = {"ci": 10, "thorough": 200}  # max_examples of each


def hypothesis_folder(chosen: str | None) -> Path:
    """Where Hypothesis keeps its examples: the user's choice, else a user cache folder."""
    folder = Path(chosen) if chosen else Path(platformdirs.user_cache_dir("rivya-contract"))
    return folder.expanduser() / ("" if chosen else "hypothesis")


def _hypothesis_setup(config: pytest.Config, kit: Kit) -> None:
    # Remember what this process had, so a run inside another test session leaves it unchanged.
    kit.saved_profile = settings.get_current_profile_name()
    kit.saved_profiles = {name: _registered(name) for name in KIT_PROFILES}
    kit.saved_seed = core.global_force_seed
    kit.saved_home = getattr(configuration, "__hypothesis_home_directory", None)
    kit.hypothesis_db = hypothesis_folder(kit.settings.hypothesis_db)
    # Hypothesis' own files (its unicode cache) go there too, never to ./.hypothesis.
    configuration.set_hypothesis_home_dir(kit.hypothesis_db)
    database = DirectoryBasedExampleDatabase(kit.hypothesis_db / "examples")
    for name, examples in KIT_PROFILES.items():
        settings.register_profile(
            name,
            max_examples=examples,
            deadline=None,
            database=database,
            suppress_health_check=[HealthCheck.too_slow],
        )
    settings.load_profile(config.getoption("hypothesis_profile", default=None) or "ci")
    if kit.settings.examples:
        name = f"{settings.get_current_profile_name()}-examples-{kit.settings.examples}"
        settings.register_profile(name, settings.default, max_examples=kit.settings.examples)
        settings.load_profile(name)
    # The same switch Hypothesis' own --hypothesis-seed sets.
    core.global_force_seed = kit.seed  # type: ignore[assignment]


def _registered(name: str) -> settings | None:
    try:
        return settings.get_profile(name)
    except InvalidArgument:
        return None


def _hypothesis_restore(kit: Kit) -> None:
    for name, saved in kit.saved_profiles.items():
        if saved is not None:
            settings.register_profile(name, saved)
    settings.load_profile(kit.saved_profile)
    core.global_force_seed = kit.saved_seed
    configuration.set_hypothesis_home_dir(kit.saved_home)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "paid: the check spends credits (within --max-credits)")
    config.addinivalue_line(
        "markers", "control_plane: needs the fake's control plane; skipped on other targets"
    )
    kit_settings = read_settings(config)
    seed = kit_settings.seed if kit_settings.seed is not None else random.randrange(2**32)
    kit = Kit(settings=kit_settings, seed=seed)
    config.stash[KIT] = kit
    _hypothesis_setup(config, kit)
    config.pluginmanager.register(Report(kit, config), "rivya-contract-report")


def pytest_unconfigure(config: pytest.Config) -> None:
    kit = config.stash.get(KIT, None)
    if kit is None:
        return
    if kit.target:
        kit.target.close()
    _hypothesis_restore(kit)


def pytest_report_header(config: pytest.Config) -> list[str]:
    kit = config.stash[KIT]
    s = kit.settings
    budget = f"{s.max_credits} credits" if s.max_credits is not None else "unlimited"
    return [
        f"rivya-contract {version()}: target {s.base_url or 'built-in fake (in-process)'}",
        f"rivya-contract: budget {budget} (--max-credits), seed {kit.seed} (--seed), "
        f"Hypothesis database {kit.hypothesis_db}",
    ]


@pytest.hookimpl(hookwrapper=True)
def pytest_collection_finish(session: pytest.Session) -> Iterator[None]:
    # The target is reached once the checks are known, so the header can say what was found.
    yield
    config = session.config
    kit = config.stash[KIT]
    if not session.items or config.option.collectonly:
        return
    target = _target(kit, config)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"rivya-contract: {target.control_note}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    kit = terminalreporter.config.stash[KIT]
    budget = kit.target.budget if kit.target else None
    spent = (
        f", spent {budget.charged} of {budget.limit} credits"
        if budget and budget.limit is not None
        else ""
    )
    terminalreporter.write_line(f"rivya-contract: rerun with --seed {kit.seed}{spent}")


# Fixtures: one target per run; checks reach it only through these.


@pytest.fixture(scope="session")
def kit(pytestconfig: pytest.Config) -> Kit:
    return pytestconfig.stash[KIT]


def _target(kit: Kit, config: pytest.Config) -> Target:
    if kit.target is None:
        if kit.settings.in_process:
            factory = config.stash.get(APP_FACTORY, None)
            kit.target = fake_target(kit.settings, kit.journal, kit.observations, factory)
        else:
            kit.target = http_target(kit.settings, kit.journal, kit.observations)
    return kit.target


@pytest.fixture(scope="session")
def target(kit: Kit, pytestconfig: pytest.Config) -> Target:
    return _target(kit, pytestconfig)


@pytest.fixture(autouse=True)
def _journal_scope(kit: Kit, request: pytest.FixtureRequest) -> Iterator[None]:
    kit.journal.current = request.node.nodeid
    yield
    if kit.target is not None:
        finish_open_tasks(kit.target)


@pytest.fixture(scope="session")
def catalog(target: Target) -> Catalog:
    response = target.api.list_models()
    assert response.is_success, "GET /api/v1/models must succeed to run the kit"
    catalog = Catalog(response.json()["data"])
    # One dearest create is set aside for an invalid body a broken target might accept (spending).
    target.budget.set_aside_guard(catalog.dearest())
    return catalog


@pytest.fixture(scope="session")
def reference_url(target: Target) -> str | None:
    """The URL of an image the main account uploaded, to reference (None: no url field)."""
    response = target.api.upload_file(
        target.keys.main,
        file=("reference.png", tiny_png(), "image/png"),
        fields={"kind": "image"},
    )
    is_success(response)
    url = response.json().get("url") if isinstance(response.json(), dict) else None
    return url if isinstance(url, str) else None


def _key(target: Target, role: str, flag: str) -> str:
    key = getattr(target.keys, role)
    if key is None:
        pytest.skip(f"needs {flag}: no {role} account key was given")
    return key


@pytest.fixture(scope="session")
def second_key(target: Target) -> str:
    return _key(target, "second", "--second-api-key")


@pytest.fixture(scope="session")
def empty_key(target: Target) -> str:
    return _key(target, "empty", "--empty-api-key")


@pytest.fixture(scope="session")
def revoked_key(target: Target) -> str:
    return _key(target, "revoked", "--revoked-api-key")


@pytest.fixture
def control_plane(target: Target) -> Target:
    if not target.control_plane:
        pytest.skip(f"needs a rivya-mock's control plane: {target.control_note}")
    return target
