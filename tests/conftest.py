from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from swarm_tui.config import AgentConfig, ModelConfig, OrchestratorConfig, ProviderConfig, Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.providers.base import Provider
from swarm_tui.store.ledger import Ledger
from tests.fakes import FakeProvider

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


@pytest.fixture
async def ledger(tmp_path: Path) -> AsyncIterator[Ledger]:
    led = await Ledger.open(tmp_path / "ledger.db", commit_interval=0.005)
    yield led
    await led.close()


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
