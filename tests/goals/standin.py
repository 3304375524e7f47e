"""A goal's world on loopback: an OpenAI-compatible stand-in that answers the planner, the
review gates and the steps from scripts, and a real orchestrator on a real ledger (either
backend: :class:`tests.backends.Backend`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from swarm_tui.config import AgentConfig, ModelConfig, ProviderConfig, Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.goals.engine import GoalEngine
from swarm_tui.providers.registry import build_providers
from tests.backends import Backend
from tests.providers.loopback import LoopbackServer, Recorded, Reply, sse

ROLES = ("project-manager", "backend", "qa-lead", "code-reviewer")
CHEAP = ModelConfig(input_per_mtok=0.1, output_per_mtok=0.4, max_tokens=256)
DEAR = ModelConfig(input_per_mtok=3.0, output_per_mtok=15.0, max_tokens=256)


class Script:
    """What the stand-in says: plans and reviews in turn (the last repeats); a step's answer
    names its prompt's first step heading. Every request is kept."""

    def __init__(self, plans: list[Any], reviews: list[dict[str, Any]]) -> None:
        self.plans = plans
        self.reviews = reviews
        self.asked: list[dict[str, Any]] = []

    def _next(self, items: list[Any]) -> Any:
        return items.pop(0) if len(items) > 1 else items[0]

    def reply(self, request: Recorded) -> Reply:
        body = request.json()
        self.asked.append(body)
        fmt = body.get("response_format")
        name = fmt["json_schema"]["name"] if isinstance(fmt, dict) else None
        if name == "plan":
            plan = self._next(self.plans)
            text = plan if isinstance(plan, str) else json.dumps(plan)
        elif name == "review":
            text = json.dumps(self._next(self.reviews))
        else:
            text = f"answer {len(self.asked)}"
        chunks = [
            {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": "stop"}]},
            {"choices": [], "usage": {"prompt_tokens": 100, "completion_tokens": 20}},
        ]
        return Reply(pieces=sse(*chunks))


def settings_for(url: str, **extra: Any) -> Settings:
    agents = {
        role: AgentConfig(role=f"the {role}", mix={"p/cheap": 1.0}, max_concurrent=4)
        for role in ROLES
    }
    provider = ProviderConfig(
        kind="openai", base_url=f"{url}/v1", models={"cheap": CHEAP, "dear": DEAR},
        max_concurrent=8,
    )  # fmt: skip
    return Settings.model_validate(
        {
            "providers": {"p": provider.model_dump(exclude_unset=True)},
            "agents": {k: a.model_dump(exclude_unset=True) for k, a in agents.items()},
            "budget": {"baseline": "p/dear"},
            "goals": {"poll_seconds": 0.2},
            **extra,
        }
    )


@asynccontextmanager
async def goal_world(
    backend: Backend, tmp_path: Path, script: Script, **extra: Any
) -> AsyncIterator[tuple[GoalEngine, Orchestrator, Settings]]:
    async with LoopbackServer() as server:
        server.choose("POST", "/v1/chat/completions", script.reply)
        settings = settings_for(server.url, **extra)
        ledger = await backend.open(tmp_path / "ledger.db")
        orch = Orchestrator(settings, ledger, build_providers(settings))
        runner = asyncio.create_task(orch.run())
        try:
            yield GoalEngine(orch), orch, settings
        finally:
            await orch.stop()
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
            await ledger.close()
