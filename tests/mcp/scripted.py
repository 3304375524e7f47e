"""A scripted model for tool-loop runs through the orchestrator: its first turn asks for the
tool calls it was given, later turns (which carry the tool results) answer in text.

Every request is kept, so a test can read exactly what the model was told."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from swarm_tui.config import AgentConfig, MCPConfig, ModelConfig, ProviderConfig, Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec
from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    StreamEvent,
    StreamRequest,
    TextDelta,
    ToolCall,
    Usage,
)


@dataclass
class ToolModel:
    """Turn 1: ``calls``; once tool results are in the conversation: ``answer``."""

    calls: Sequence[ToolCall]
    answer: str = "done"
    name: str = "p1"
    requests: list[StreamRequest] = field(default_factory=list)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def check(self) -> list[str]:
        return []

    async def stream(self, request: StreamRequest) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        await asyncio.sleep(0)
        if any(m.role == "tool" for m in request.messages):
            yield TextDelta(self.answer)
        else:
            for call in self.calls:
                yield call
        yield Usage(input_tokens=5, output_tokens=1)
        yield Done("stop")

    def tool_messages(self) -> list[ChatMessage]:
        """The tool results the model was given, over all requests (each once)."""
        seen: dict[str, ChatMessage] = {}
        for request in self.requests:
            for m in request.messages:
                if m.role == "tool" and m.tool_call_id is not None:
                    seen.setdefault(m.tool_call_id, m)
        return list(seen.values())


def tool_settings(mcp: MCPConfig, servers: list[str], **agent: object) -> Settings:
    """One OpenAI-kind provider ``p1`` (model ``m1``) and an agent ``a`` on it using
    ``servers``; breakers open after 3 failures."""
    return Settings.model_validate(
        {
            "providers": {
                "p1": ProviderConfig(
                    kind="openai",
                    base_url="http://127.0.0.1:9/v1",
                    models={"m1": ModelConfig(max_tokens=64)},
                ).model_dump(exclude_defaults=True)
            },
            "agents": {
                "a": AgentConfig(mix={"p1/m1": 1.0}, mcp_servers=servers, **agent).model_dump(  # type: ignore[arg-type]
                    exclude_defaults=True
                )
            },
            "mcp": mcp.model_dump(exclude_defaults=True),
            "breaker": {"failures": 3},
            "retry": {"base_seconds": 0.01, "cap_seconds": 0.02},
        }
    )


async def run_one(orch: Orchestrator, prompt: str = "use the tool") -> int:
    """Submit one task for agent ``a`` and run until the queue is idle; its id."""
    [(task, _)] = await orch.submit([TaskSpec(prompt, role="a")])
    await asyncio.wait_for(orch.run(until_idle=True), 120)
    return task.id
