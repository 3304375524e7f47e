from __future__ import annotations

import itertools
import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from swarm_tui.config import AgentConfig, ModelConfig, OrchestratorConfig, ProviderConfig, Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.providers.base import Provider
from swarm_tui.store.ledger import Ledger, SqliteLedger
from swarm_tui.store.pg.url import PgTarget
from tests.backends import Backend
from tests.fakes import FakeProvider
from tests.pg import PASSWORD_ENV, PgServer, server_for_tests

# The marks of configs seen valid (swarm_tui.config.checked) go to a folder of this run, never
# to the user's ~/.cache; the commands the tests start inherit it.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="swarm-tui-test-cache-")


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def make_settings(**orchestrator: object) -> Settings:
    """Two fake providers, three agents; ``a`` mixes both providers 3:1."""
    models = {"m1": ModelConfig(input_per_mtok=1.0, output_per_mtok=2.0, max_tokens=64)}
    return Settings(
        providers={
            "p1": ProviderConfig(
                kind="openai", base_url="http://127.0.0.1:9/v1", models=models, max_concurrent=4
            ),
            "p2": ProviderConfig(
                kind="openai", base_url="http://127.0.0.1:9/v1", models=models, max_concurrent=4
            ),
        },
        agents={
            "a": AgentConfig(mix={"p1/m1": 3, "p2/m1": 1}, max_concurrent=4),
            "b": AgentConfig(mix={"p2/m1": 1}, max_concurrent=1),
            "c": AgentConfig(mix={"p1/m1": 1}, max_concurrent=2),
        },
        orchestrator=OrchestratorConfig(**orchestrator),  # type: ignore[arg-type]
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One real PostgreSQL server for the session (tests/pg.py), stopped at the end."""
    yield from server_for_tests("swarm-pg-")


@pytest.fixture
def pg_target(
    pg_server: PgServer, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> PgTarget:
    """A new empty database on the session's server; its password in the environment."""
    monkeypatch.setenv(PASSWORD_ENV, pg_server.password)
    name = f"t{next(_DATABASES)}_{secrets.token_hex(3)}"
    return PgTarget(pg_server.create_database(name), PASSWORD_ENV)


_DATABASES = itertools.count(1)


async def open_backend(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, **kwargs: Any
) -> Ledger:
    """A ledger on ``backend`` (``sqlite``: a file in ``tmp_path``; ``postgres``: a new
    database on the session's server), typed as the SQLite one (same contract)."""
    if backend == "sqlite":
        return await SqliteLedger.open(tmp_path / "ledger.db", **kwargs)
    from swarm_tui.store.pg.ledger import PgLedger

    target: PgTarget = request.getfixturevalue("pg_target")
    return await PgLedger.open(target, tmp_path / "ledger.db", **kwargs)


SQLITE_ONLY = pytest.mark.parametrize("ledger", ["sqlite"], indirect=True)
"""For a test of the SQLite ledger's own machinery (sync ops on its thread, PRAGMAs)."""


@pytest.fixture(params=["sqlite", "postgres"])
async def ledger(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Ledger]:
    """The ledger on each backend: SQLite, then PostgreSQL (a real server)."""
    led = await open_backend(request.param, tmp_path, request, commit_interval=0.005)
    yield led
    await led.close()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Backend:
    """The test's ledgers, each at its own path, on each backend (tests/backends.py): for
    tests that open ledgers (and orchestrators, and commands) at paths of their own."""
    server = request.getfixturevalue("pg_server") if request.param == "postgres" else None
    return Backend(request.param, server, monkeypatch)


SQLITE_BACKEND = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
"""For a test of ``backend``'s that stays on SQLite (a slow real model; git alone)."""


OrchFactory = Callable[..., Orchestrator]


@pytest.fixture
async def make_orch(ledger: Ledger, clock: Clock) -> AsyncIterator[OrchFactory]:
    made: list[Orchestrator] = []

    def factory(
        settings: Settings | None = None, providers: dict[str, Provider] | None = None
    ) -> Orchestrator:
        settings = settings or make_settings(heartbeat_seconds=3600, lease_seconds=7200)
        providers = providers or {"p1": FakeProvider("p1"), "p2": FakeProvider("p2")}
        orch = Orchestrator(settings, ledger, providers, clock=clock, owner="test:1:1")
        made.append(orch)
        return orch

    yield factory
    for orch in made:
        await orch.stop()
