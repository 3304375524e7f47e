"""Real agent CLIs from npm, offline: Gemini CLI replaying recorded responses, and Copilot CLI
in bring-your-own-provider mode against the embedded llama.cpp server (SmolLM2)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from swarm_tui.config import CLIConfig, ModelConfig, ProviderConfig
from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    Session,
    StreamEvent,
    StreamRequest,
    TextDelta,
    Usage,
)
from swarm_tui.providers.cli.base import CLIProvider
from swarm_tui.providers.cli.copilot import CopilotDialect
from swarm_tui.providers.cli.gemini_cli import GeminiCLIDialect
from swarm_tui.providers.local import LocalModelServer

pytestmark = pytest.mark.slow

# Long, random dummy keys: Copilot redacts secret env values everywhere in its stdout.
GEMINI_KEY = "fake-gemini-key-6c1f0e9b2d4a8f7e3c5b"
COPILOT_KEY = "fake-byok-key-9f8e7d6c5b4a39281706aa"


def _recorded(path: Path, text: str) -> Path:
    response = {
        "candidates": [
            {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
        ],
        "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 5, "totalTokenCount": 17},
    }
    line = {"method": "generateContentStream", "response": [response]}
    path.write_text(json.dumps(line) + "\n")
    return path


async def _run(provider: CLIProvider, request: StreamRequest) -> list[StreamEvent]:
    try:
        return [e async for e in provider.stream(request)]
    finally:
        await provider.close()


async def test_gemini_cli_with_recorded_responses(
    npm_tools: dict[str, Path], tmp_path: Path
) -> None:
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    fake = _recorded(tmp_path / "responses.jsonl", "Hello from the recording")
    launch = CLIConfig(
        binary=str(npm_tools["gemini"]),
        args=["--fake-responses-non-strict", str(fake)],
        env={"HOME": str(home), "GEMINI_API_KEY": GEMINI_KEY},
        workdir=str(work),
        timeout_seconds=120.0,
    )
    config = ProviderConfig(
        kind="gemini-cli", cli=launch, models={"gemini-2.5-flash": ModelConfig()}
    )
    provider = CLIProvider("gemini-cli", config, GeminiCLIDialect, log_dir=tmp_path / "logs")
    request = StreamRequest("gemini-2.5-flash", (ChatMessage("user", "hi"),), 64)
    got = await _run(provider, request)
    assert isinstance(got[0], Session) and got[0].session_id
    assert "".join(e.text for e in got if isinstance(e, TextDelta)) == "Hello from the recording"
    assert got[-2:] == [Usage(12, 5, 0), Done("stop")]
    assert (tmp_path / "logs" / "gemini-cli-cli.log").exists()


@pytest.mark.llama
@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama_cpp is not importable: install the 'local' extra (make setup)",
)
async def test_copilot_cli_byok_against_the_embedded_llama_cpp_server(
    npm_tools: dict[str, Path], tmp_path: Path
) -> None:
    # Copilot's static system prompt and tool definitions need a large context.
    server = LocalModelServer(n_ctx=32768, log_path=tmp_path / "model.log")
    await server.start()
    try:
        work, home = tmp_path / "work", tmp_path / "home"
        work.mkdir()
        home.mkdir()
        launch = CLIConfig(
            binary=str(npm_tools["copilot"]),
            env={
                "HOME": str(home),
                "COPILOT_OFFLINE": "true",
                "COPILOT_PROVIDER_BASE_URL": f"{server.base_url}/v1",
                "COPILOT_PROVIDER_TYPE": "openai",
                "COPILOT_PROVIDER_API_KEY": COPILOT_KEY,
                "COPILOT_MODEL": "smollm2",
                "COPILOT_PROVIDER_MAX_PROMPT_TOKENS": "30000",
                "COPILOT_PROVIDER_MAX_OUTPUT_TOKENS": "48",
            },
            workdir=str(work),
            timeout_seconds=600.0,
            idle_timeout_seconds=600.0,
        )
        config = ProviderConfig(kind="copilot", cli=launch, models={"default": ModelConfig()})
        provider = CLIProvider("copilot", config, CopilotDialect, log_dir=tmp_path / "logs")
        request = StreamRequest("default", (ChatMessage("user", "Say hi"),), 48)
        got = await _run(provider, request)
    finally:
        await server.close()
    text = "".join(e.text for e in got if isinstance(e, TextDelta))
    assert text.strip(), got
    sessions = [e for e in got if isinstance(e, Session)]
    assert len(sessions) == 1 and sessions[0].session_id
    usage = got[-2]
    assert isinstance(usage, Usage) and usage.premium_requests == 0
    assert got[-1] == Done("stop")
