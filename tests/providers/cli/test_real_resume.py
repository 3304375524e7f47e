"""Gemini CLI and Copilot CLI from npm resume their sessions, for real and offline, set up the
way a swarm run sets them up (with the swarm's MCP server in their configuration).

Gemini CLI replays recorded responses; its sessions live in ``~/.gemini/tmp/<project>/chats``
and the swarm gives it a per-run ``GEMINI_CLI_HOME`` over the user's ``~/.gemini``: what it
writes there must reach the user's own directory, or the session is gone with the run.
Copilot runs in bring-your-own-model mode against the scripted Chat Completions model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swarm_tui.config import load_settings
from swarm_tui.providers.base import ChatMessage, Session, StreamEvent, StreamRequest, TextDelta
from swarm_tui.providers.cli.base import CLIProvider
from swarm_tui.providers.registry import build_providers
from tests.providers.cli.scripted_model import ScriptedModel
from tests.providers.loopback import LoopbackServer

pytestmark = pytest.mark.slow

GEMINI_KEY = "fake-gemini-key-6c1f0e9b2d4a8f7e3c5b"
COPILOT_KEY = "fake-byok-key-9f8e7d6c5b4a39281706aa"


def _provider(tmp_path: Path, name: str, section: str) -> CLIProvider:
    config = tmp_path / "config.toml"
    config.write_text(section + f'\n[agents.worker]\nmix = {{ "{name}/m" = 1.0 }}\n')
    db = tmp_path / "ledger.db"
    providers = build_providers(load_settings(config), log_dir=tmp_path / "logs", ledger=db)
    provider = providers[name]
    assert isinstance(provider, CLIProvider) and provider.swarm_mcp is not None
    return provider


async def _run(provider: CLIProvider, prompt: str, resume: str | None = None) -> list[StreamEvent]:
    request = StreamRequest("m", (ChatMessage("user", prompt),), 64, resume=resume)
    try:
        return [e async for e in provider.stream(request)]
    finally:
        await provider.close()


def _session(events: list[StreamEvent]) -> str:
    [session] = [e.session_id for e in events if isinstance(e, Session)]
    return session


async def test_gemini_cli_resumes_a_session_started_under_the_swarms_per_run_home(
    npm_tools: dict[str, Path], tmp_path: Path
) -> None:
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()  # a first run: no ~/.gemini yet
    response = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]},
                        "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 5},
    }  # fmt: skip
    fake = tmp_path / "responses.jsonl"
    fake.write_text(json.dumps({"method": "generateContentStream", "response": [response]}) + "\n")
    provider = _provider(
        tmp_path,
        "gem",
        f"""
[providers.gem]
kind = "gemini-cli"
[providers.gem.models.m]
[providers.gem.cli]
binary = "{npm_tools["gemini"]}"
args = ["--fake-responses-non-strict", "{fake}"]
env = {{ HOME = "{home}", GEMINI_API_KEY = "{GEMINI_KEY}" }}
workdir = "{work}"
timeout_seconds = 120.0
""",
    )
    gone = await _run(provider, "Start", resume="0e3c5a4e-1111-4222-8333-944455556666")
    assert "session 0e3c5a4e-1111-4222-8333-944455556666 is gone" in provider.log_path.read_text()
    assert _session(gone) != "0e3c5a4e-1111-4222-8333-944455556666"
    first = await _run(provider, "Remember kiwi")
    session = _session(first)
    second = await _run(provider, "Which fruit?", resume=session)
    assert _session(second) == session, (second, provider.log_path.read_text()[-2000:])
    chats = list((home / ".gemini" / "tmp").glob(f"*/chats/session-*{session[:8]}.jsonl"))
    assert chats, "the session was not kept in the user's ~/.gemini"
    kept = "".join(chat.read_text() for chat in chats)
    assert "Remember kiwi" in kept and "Which fruit?" in kept
    assert not (home / ".gemini" / "settings.json").exists()  # the user's settings untouched


async def test_copilot_cli_resumes_its_session(npm_tools: dict[str, Path], tmp_path: Path) -> None:
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    async with LoopbackServer() as server:
        model = ScriptedModel(server)
        provider = _provider(
            tmp_path,
            "cop",
            f"""
[providers.cop]
kind = "copilot"
[providers.cop.models.m]
[providers.cop.cli]
binary = "{npm_tools["copilot"]}"
workdir = "{work}"
timeout_seconds = 180.0
idle_timeout_seconds = 180.0
[providers.cop.cli.env]
HOME = "{home}"
COPILOT_OFFLINE = "true"
COPILOT_PROVIDER_BASE_URL = "{model.base_url}"
COPILOT_PROVIDER_TYPE = "openai"
COPILOT_PROVIDER_API_KEY = "{COPILOT_KEY}"
COPILOT_MODEL = "m"
COPILOT_PROVIDER_MAX_PROMPT_TOKENS = "30000"
COPILOT_PROVIDER_MAX_OUTPUT_TOKENS = "48"
""",
        )
        first = await _run(provider, "Remember kiwi")
        session = _session(first)
        before = len(model.requests("chat/completions"))
        second = await _run(provider, "Which fruit?", resume=session)
    assert "Which fruit?" in "".join(e.text for e in second if isinstance(e, TextDelta))
    assert _session(second) == session
    sent = model.requests("chat/completions")[before:]
    assert sent and "Remember kiwi" in json.dumps(sent[0]), "not resumed"
