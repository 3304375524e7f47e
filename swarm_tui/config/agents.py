"""Agents: the roles the swarm fills, with their model mix and fallback chain."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from swarm_tui.config.base import Strict
from swarm_tui.config.errors import Loc, config_problems

__all__ = ["AgentConfig"]


def _ref_problem(ref: str) -> str | None:
    provider, _, model = ref.partition("/")
    return None if provider and model else 'must be written "provider/model"'


class AgentConfig(Strict):
    """An agent: a role the swarm fills, on the model mix the role asks for."""

    role: str = ""
    """What this agent does, in words (shown in the TUI and given to routing)."""
    system_prompt: str = "You are a helpful, concise assistant."
    """System prompt sent with every attempt."""
    mix: dict[str, float]
    """Model mix: weights over ``"provider/model"`` references, e.g. ``"ollama/qwen3:8b" = 0.4``.
    Weights are relative and must be > 0."""
    fallback: list[str] = Field(default_factory=list)
    """Fallback chain: ``"provider/model"`` references tried in order when a model fails for
    good (auth, spend limit) or its breaker opens. Empty: the rest of the mix, heaviest first."""
    tags: list[str] = Field(default_factory=list)
    """Strengths, matched against task tags by routing."""
    max_concurrent: Annotated[int, Field(gt=0)] = 2
    """Attempts this agent runs at once."""
    mcp_servers: list[str] = Field(default_factory=list)
    """MCP servers this agent may use (deny by default): a server name allows all its tools,
    ``"server__pattern"`` (``"git__git_log"``, ``"filesystem__read_*"``) only matching ones."""
    tool_choice: str | None = None
    """Force the first model turn to call this tool (``"server__tool"``); later turns choose
    freely. For backends that only call tools when told to (llama.cpp's chat templates)."""
    project: str | None = None
    """The ``[projects.NAME]`` this agent's tasks change when a task names none: each attempt
    then works in its own git worktree of that project (see ``[projects.NAME]``)."""

    @field_validator("mix")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        if not v:
            raise ValueError("needs at least one 'provider/model' = weight")
        problems: list[tuple[Loc, str]] = []
        for ref, w in v.items():
            bad = _ref_problem(ref)
            if bad:
                problems.append(((ref,), bad))
            if not w > 0:
                problems.append(((ref,), f"weight must be > 0 (got {w:g})"))
        if problems:
            raise config_problems(problems)
        return v

    @field_validator("fallback")
    @classmethod
    def _refs(cls, v: list[str]) -> list[str]:
        problems: list[tuple[Loc, str]] = []
        for i, ref in enumerate(v):
            bad = _ref_problem(ref)
            if bad:
                problems.append(((i,), bad))
            elif ref in v[:i]:
                problems.append(((i,), f"{ref!r} is listed twice"))
        if problems:
            raise config_problems(problems)
        return v

    def chain(self) -> list[str]:
        """Every model this agent may use, in fallback order: the explicit list after the mix
        (heaviest first), or the mix alone."""
        mixed = sorted(self.mix, key=lambda ref: -self.mix[ref])
        return mixed + [ref for ref in self.fallback if ref not in self.mix]
