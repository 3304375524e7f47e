"""Claude Code, Qwen Code and Codex from npm, for real and offline: each in a HOME of its own,
against a scripted model on a loopback server speaking its API (Anthropic Messages, OpenAI
Chat Completions, OpenAI Responses; see ``scripted_model``), with the swarm's own MCP server
put in its configuration by swarm-tui, as in a run.

For each: a plain answer (session, text, usage), a call to the swarm's ``write_memory`` that
lands in the ledger with the CLI's provider as its author, a refused key that fails at once
and for good (no minutes of the CLI's own retries), and a resumed session (the backend sees
the first conversation again).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from swarm_tui.config import load_settings
from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    ProviderError,
    Session,
    StreamEvent,
    StreamRequest,
    TextDelta,
    ToolCall,
    ToolResult,
    Usage,
)
from swarm_tui.providers.cli.base import CLIProvider
from swarm_tui.providers.registry import build_providers
from tests.e2e.crash import query
from tests.providers.cli.scripted_model import USAGE_IN, USAGE_OUT, ScriptedModel
from tests.providers.loopback import LoopbackServer

pytestmark = pytest.mark.slow

# Long, random dummy keys (CLIs redact secret values in what they print).
KEY = "fake-offline-key-3b9d2f7a1c6e4805"


@dataclass(frozen=True)
class Rig:
    """How one CLI is set up to answer through the scripted model."""

    kind: str
    binary: str
    model: str
    path: str
    """The API route the CLI calls: ``messages``, ``chat/completions`` or ``responses``."""
    section: Callable[[Path, str, Path], str]
    """TOML for ``[providers.<name>.cli]`` (binary, args) and ``[providers.<name>.cli.env]``
    from (the CLI's binary, the API base URL, HOME); ``{common}`` marks the other keys."""


def _claude(binary: Path, url: str, home: Path) -> str:
    return f"""
[providers.claude.cli]
binary = "{binary}"
{{common}}
[providers.claude.cli.env]
HOME = "{home}"
ANTHROPIC_BASE_URL = "{url.removesuffix("/v1")}"
ANTHROPIC_API_KEY = "{KEY}"
CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "1"
"""


def _qwen(binary: Path, url: str, home: Path) -> str:
    # No --auth-type: swarm-tui adds `--auth-type openai` as OPENAI_API_KEY is set.
    return f"""
[providers.qwen.cli]
binary = "{binary}"
{{common}}
[providers.qwen.cli.env]
HOME = "{home}"
OPENAI_BASE_URL = "{url}"
OPENAI_API_KEY = "{KEY}"
"""


def _codex(binary: Path, url: str, home: Path) -> str:
    codex_home = home / ".codex"
    codex_home.mkdir(parents=True)
    (codex_home / "config.toml").write_text(
        f"""model_provider = "loopback"
[model_providers.loopback]
name = "loopback"
base_url = "{url}"
env_key = "LOOPBACK_API_KEY"
wire_api = "responses"
"""
    )
    return f"""
[providers.codex.cli]
binary = "{binary}"
args = ["--disable", "plugins"]
{{common}}
[providers.codex.cli.env]
HOME = "{home}"
CODEX_HOME = "{codex_home}"
LOOPBACK_API_KEY = "{KEY}"
"""


RIGS = {
    "claude": Rig("claude-code", "claude", "claude-sonnet-4-5", "messages", _claude),
    "qwen": Rig("qwen-code", "qwen", "m", "chat/completions", _qwen),
    "codex": Rig("codex", "codex", "m", "responses", _codex),
}


@dataclass
class Stage:
    name: str
    rig: Rig
    model: ScriptedModel
    provider: CLIProvider
    db: Path
    work: Path

    async def run(self, prompt: str, resume: str | None = None) -> list[StreamEvent]:
        request = StreamRequest(self.rig.model, (ChatMessage("user", prompt),), 64, resume=resume)
        try:
            return [e async for e in self.provider.stream(request)]
        finally:
            await self.provider.close()

    def log(self) -> str:
        path = self.provider.log_path
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@pytest.fixture(params=sorted(RIGS))
async def stage(
    request: pytest.FixtureRequest, npm_tools: dict[str, Path], tmp_path: Path
) -> AsyncIterator[Stage]:
    name: str = request.param
    rig = RIGS[name]
    work, home, db = tmp_path / "work", tmp_path / "home", tmp_path / "ledger.db"
    work.mkdir()
    home.mkdir()
    async with LoopbackServer() as server:
        model = ScriptedModel(server)
        config = tmp_path / "config.toml"
        common = f'workdir = "{work}"\ntimeout_seconds = 180.0\nidle_timeout_seconds = 120.0'
        section = rig.section(npm_tools[rig.binary], model.base_url, home)
        config.write_text(
            f"""
[providers.{name}]
kind = "{rig.kind}"
[providers.{name}.models."{rig.model}"]
{section.replace("{common}", common)}
[agents.worker]
mix = {{ "{name}/{rig.model}" = 1.0 }}
"""
        )
        settings = load_settings(config)
        provider = build_providers(settings, log_dir=tmp_path / "logs", ledger=db)[name]
        assert isinstance(provider, CLIProvider) and provider.swarm_mcp is not None
        yield Stage(name, rig, model, provider, db, work)


def _text(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_a_plain_answer_with_its_session_and_usage(stage: Stage) -> None:
    got = await stage.run("Say hello to the swarm")
    assert _text(got) == "echo: Say hello to the swarm", stage.log()
    sessions = [e for e in got if isinstance(e, Session)]
    assert len(sessions) == 1 and sessions[0].session_id
    usage = got[-2]
    assert isinstance(usage, Usage) and usage.output_tokens and usage.input_tokens
    assert usage.output_tokens % USAGE_OUT == 0 and usage.input_tokens % USAGE_IN == 0
    assert isinstance(got[-1], Done)
    assert stage.model.requests(stage.rig.path), "the CLI never called the scripted model"


async def test_a_swarm_tool_call_lands_in_memory_with_the_clis_author(stage: Stage) -> None:
    memory = {"memory_name": f"notes/{stage.name}", "content": f"written by {stage.name}"}
    got = await stage.run(f"Keep this. [[call write_memory {json.dumps(memory)}]]")
    calls = [e for e in got if isinstance(e, ToolCall) and e.name.endswith("write_memory")]
    assert len(calls) == 1 and calls[0].arguments == memory, (got, stage.log())
    [result] = [e for e in got if isinstance(e, ToolResult) and e.id == calls[0].id]
    assert not result.is_error and f"Memory notes/{stage.name} written" in result.output
    assert f"Memory notes/{stage.name} written" in _text(got)  # the result went back
    assert query(stage.db, "SELECT name, content, author FROM memories") == [
        (memory["memory_name"], memory["content"], stage.name)
    ]


async def test_a_refused_key_fails_at_once_and_for_good(stage: Stage) -> None:
    with pytest.raises(ProviderError) as info:
        await stage.run("Anything [[fail 401]]")
    assert info.value.kind == "auth", (info.value, stage.log())
    assert not info.value.retryable and "401" in str(info.value) + str(info.value.status)
    # Claude Code would retry ten times over minutes, Codex five: stopped at the first.
    assert len(stage.model.requests(stage.rig.path)) <= 2


async def test_a_session_is_resumed(stage: Stage) -> None:
    first = await stage.run("Remember the word kiwi")
    [session] = [e.session_id for e in first if isinstance(e, Session)]
    before = len(stage.model.requests(stage.rig.path))
    second = await stage.run("Which word was it?", resume=session)
    assert _text(second) == "echo: Which word was it?", stage.log()
    sent = stage.model.requests(stage.rig.path)[before:]
    assert sent and "Remember the word kiwi" in json.dumps(sent[0]), "not resumed"
    assert any(isinstance(e, Session) for e in second)
    # this run's tokens, not the thread's (Codex counts the whole thread after a resume)
    usage = second[-2]
    assert isinstance(usage, Usage), second
    assert (usage.input_tokens, usage.output_tokens) == (
        USAGE_IN * len(sent),
        USAGE_OUT * len(sent),
    ), (usage, len(sent))


async def test_a_session_the_cli_no_longer_has_is_replaced_by_a_new_one(stage: Stage) -> None:
    gone = "0e3c5a4e-1111-4222-8333-944455556666"
    got = await stage.run("Start over", resume=gone)
    assert _text(got) == "echo: Start over", stage.log()
    sessions = [e.session_id for e in got if isinstance(e, Session)]
    assert sessions and gone not in sessions
    assert f"session {gone} is gone" in stage.log()
