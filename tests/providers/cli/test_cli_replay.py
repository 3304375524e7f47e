"""Claude Code, Qwen Code and Codex: their documented event streams replayed by a stand-in
process through the real subprocess runner and parsers; plus cancel, timeout, missing binary."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import sys
from pathlib import Path

import pytest

from swarm_tui.config import CLIConfig, ModelConfig, ProviderConfig
from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    ProviderError,
    ReasoningDelta,
    Session,
    StreamEvent,
    StreamRequest,
    TextDelta,
    ToolCall,
    ToolResult,
    Usage,
)
from swarm_tui.providers.cli.base import CLIProvider
from swarm_tui.providers.cli.claude import ClaudeDialect, QwenDialect
from swarm_tui.providers.cli.codex import CodexDialect
from swarm_tui.providers.cli.copilot import CopilotDialect
from swarm_tui.providers.cli.dialect import Dialect
from swarm_tui.providers.cli.gemini_cli import GeminiCLIDialect
from swarm_tui.providers.pricing import price
from tests.providers.cli import fixtures

REPLAY = Path(__file__).with_name("replay.py")
REQUEST = StreamRequest(
    "sonnet", (ChatMessage("system", "Be careful."), ChatMessage("user", "List files.")), 100
)


class Stage:
    def __init__(self, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp = tmp
        self.work = tmp / "work"
        self.work.mkdir()
        self.record = tmp / "record.json"
        self.binary = tmp / "fake-cli"
        self.binary.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{REPLAY}" "$@"\n')
        self.binary.chmod(self.binary.stat().st_mode | stat.S_IEXEC)
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("REPLAY_RECORD", str(self.record))

    def provider(
        self, kind: str, dialect: type[Dialect], stdout: str, **cli: object
    ) -> CLIProvider:
        out = self.tmp / "stdout.txt"
        out.write_text(stdout)
        self.monkeypatch.setenv("REPLAY_STDOUT", str(out))
        launch = CLIConfig(binary=str(self.binary), workdir=str(self.work), **cli)  # type: ignore[arg-type]
        config = ProviderConfig(
            kind=kind,
            cli=launch,
            models={"sonnet": ModelConfig()},  # type: ignore[arg-type]
        )
        return CLIProvider("agent", config, dialect, log_dir=self.tmp / "logs")

    def argv(self) -> list[str]:
        data = json.loads(self.record.read_text())
        assert isinstance(data["argv"], list)
        return [str(a) for a in data["argv"]]


@pytest.fixture
def stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Stage:
    return Stage(tmp_path, monkeypatch)


async def run(provider: CLIProvider, request: StreamRequest = REQUEST) -> list[StreamEvent]:
    try:
        return [e async for e in provider.stream(request)]
    finally:
        await provider.close()


async def test_claude_code_stream_json(stage: Stage) -> None:
    provider = stage.provider("claude-code", ClaudeDialect, fixtures.lines(fixtures.CLAUDE))
    got = await run(provider)
    assert got == [
        Session("sess-claude-1"),
        ReasoningDelta("look first"),
        TextDelta("Listing files."),
        ToolCall("toolu_1", "Bash", {"command": "ls"}),
        ToolResult("toolu_1", "a.py\nb.py"),
        TextDelta("Two files."),
        Usage(340, 9, cached_tokens=200, cost_usd=0.0123, cache_write_tokens=100),
        Done("end_turn"),
    ]
    usage = got[-2]
    assert isinstance(usage, Usage) and price(ModelConfig(input_per_mtok=3.0), usage) == 0.0123
    argv = stage.argv()
    assert argv[:2] == ["-p", "Be careful.\n\nList files."]
    assert argv[2:] == ["--output-format", "stream-json", "--verbose", "--model", "sonnet"]
    assert json.loads(stage.record.read_text())["cwd"] == str(stage.work)
    log = (stage.tmp / "logs" / "agent-cli.log").read_text()
    assert "replay: starting" in log and "256-color" in log


async def test_claude_resume_and_extra_args(stage: Stage) -> None:
    provider = stage.provider(
        "claude-code", ClaudeDialect, fixtures.lines(fixtures.CLAUDE), args=["--max-turns", "3"]
    )
    request = StreamRequest("default", REQUEST.messages, 10, resume="sess-claude-1")
    await run(provider, request)
    assert stage.argv()[5:] == ["--resume", "sess-claude-1", "--max-turns", "3"]


async def test_claude_budget_error_is_a_final_spend_limit(stage: Stage) -> None:
    provider = stage.provider("claude-code", ClaudeDialect, fixtures.lines(fixtures.CLAUDE_BUDGET))
    with pytest.raises(ProviderError) as info:
        await run(provider)
    assert info.value.kind == "spend_limit" and not info.value.retryable


async def test_qwen_code_success_and_usage(stage: Stage) -> None:
    provider = stage.provider("qwen-code", QwenDialect, fixtures.lines(fixtures.QWEN_OK))
    got = await run(provider)
    assert got == [Session("q-1"), TextDelta("Done."), Usage(50, 2, 20), Done("success")]
    assert "--verbose" not in stage.argv()


async def test_qwen_api_error_in_a_success_result_is_a_failure(stage: Stage) -> None:
    provider = stage.provider("qwen-code", QwenDialect, fixtures.lines(fixtures.QWEN_API_ERROR))
    with pytest.raises(ProviderError) as info:
        await run(provider)
    assert info.value.retryable and "[API Error: 500" in str(info.value)


async def test_codex_exec_json(stage: Stage) -> None:
    provider = stage.provider("codex", CodexDialect, fixtures.lines(fixtures.CODEX))
    got = await run(provider)
    assert got == [
        Session("thread-7"),
        ReasoningDelta("plan"),
        ToolCall("item_1", "shell", {"command": "bash -lc ls"}),
        ToolResult("item_1", "a.py\n"),
        TextDelta("Updated a.py."),
        Usage(1200, 80, 1000),
        Done("stop"),
    ]
    argv = stage.argv()
    assert argv[:3] == ["exec", "--json", "--skip-git-repo-check"]
    assert argv[-1] == "Be careful.\n\nList files."


async def test_codex_turn_failed(stage: Stage) -> None:
    provider = stage.provider("codex", CodexDialect, fixtures.lines(fixtures.CODEX_FAILED))
    with pytest.raises(ProviderError, match="stream disconnected"):
        await run(provider)


async def test_nonzero_exit_without_result_is_retryable(
    stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLAY_EXIT", "3")
    provider = stage.provider("claude-code", ClaudeDialect, fixtures.lines(fixtures.CLAUDE[:2]))
    with pytest.raises(ProviderError, match="exited with code 3") as info:
        await run(provider)
    assert info.value.retryable


async def test_missing_binary_is_final(tmp_path: Path) -> None:
    config = ProviderConfig(
        kind="codex",
        cli=CLIConfig(binary=str(tmp_path / "no-such-codex")),
        models={"m": ModelConfig()},
    )
    provider = CLIProvider("codex", config, CodexDialect, log_dir=tmp_path)
    with pytest.raises(ProviderError) as info:
        await run(provider)
    assert not info.value.retryable and info.value.kind == "not_found"
    assert await provider.check() != []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); read its state
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"


async def test_cancel_kills_the_whole_process_group(
    stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLAY_HANG", "1")
    provider = stage.provider(
        "claude-code",
        ClaudeDialect,
        fixtures.lines(fixtures.CLAUDE[:1], noise=False),
        kill_grace_seconds=0.5,
    )
    first = asyncio.Event()

    async def consume() -> None:
        async for _event in provider.stream(REQUEST):
            first.set()

    job = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 30)
    child_file = Path(str(stage.record) + ".child")
    while not child_file.exists():
        await asyncio.sleep(0.01)
    pids = [json.loads(stage.record.read_text())["pid"], int(child_file.read_text())]
    assert all(_alive(p) for p in pids)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert not any(_alive(p) for p in pids)
    assert provider.running == set()


async def test_silent_cli_is_killed_after_the_idle_timeout(
    stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLAY_HANG", "1")
    provider = stage.provider(
        "codex",
        CodexDialect,
        fixtures.lines(fixtures.CODEX[:1], noise=False),
        idle_timeout_seconds=0.5,
        kill_grace_seconds=0.5,
    )
    with pytest.raises(ProviderError, match=r"was silent for 0\.5s") as info:
        await run(provider)
    assert info.value.retryable
    pid = json.loads(stage.record.read_text())["pid"]
    assert not _alive(pid)


# ------------------------------------------------------------------ failures read right
async def test_claude_error_result_with_subtype_success_says_why_and_is_final(
    stage: Stage,
) -> None:
    lines = fixtures.lines(fixtures.CLAUDE_AUTH_FAILED)
    provider = stage.provider("claude-code", ClaudeDialect, lines)
    got: list[StreamEvent] = []
    with pytest.raises(ProviderError) as info:
        async for event in provider.stream(REQUEST):
            got.append(event)
    assert str(info.value) == "agent: the run failed: Invalid API key · Fix external API key"
    assert info.value.kind == "auth" and info.value.status == 401
    assert not info.value.retryable
    assert not any(isinstance(e, TextDelta) for e in got)  # the error is not the answer


async def test_claude_retrying_a_refused_key_is_stopped_at_once(
    stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLAY_HANG", "1")  # the CLI would go on retrying for minutes
    lines = fixtures.lines(fixtures.CLAUDE_RETRYING_401, noise=False)
    provider = stage.provider(
        "claude-code", ClaudeDialect, lines, idle_timeout_seconds=60, kill_grace_seconds=0.5
    )
    with pytest.raises(ProviderError) as info:
        await run(provider)
    assert info.value.kind == "auth" and not info.value.retryable, info.value
    assert "refused the key (authentication_failed)" in str(info.value)
    assert not _alive(json.loads(stage.record.read_text())["pid"])


async def test_qwen_set_up_error_keeps_its_reason_and_is_final(
    stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    lines = fixtures.lines(fixtures.QWEN_NO_AUTH_TYPE)
    provider = stage.provider("qwen-code", QwenDialect, lines)
    with pytest.raises(ProviderError) as info:
        await run(provider)
    message = str(info.value)
    assert "No auth type is selected" in message and "--auth-type" in message
    assert "error_during_execution): error_during_execution" not in message
    assert info.value.kind == "auth" and not info.value.retryable


async def test_qwen_401_in_a_success_result_is_final(stage: Stage) -> None:
    provider = stage.provider("qwen-code", QwenDialect, fixtures.lines(fixtures.QWEN_401))
    with pytest.raises(ProviderError) as info:
        await run(provider)
    assert info.value.kind == "auth" and info.value.status == 401
    assert not info.value.retryable


async def test_qwen_gets_an_auth_type_when_an_openai_key_is_given(
    stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    key = {"OPENAI_API_KEY": "sk-test", "HOME": str(stage.tmp)}
    lines = fixtures.lines(fixtures.QWEN_OK)
    provider = stage.provider("qwen-code", QwenDialect, lines, env=key)
    assert await provider.check() == []
    await run(provider)
    assert stage.argv()[-2:] == ["--auth-type", "openai"]
    # the user's own choice wins: in cli.args...
    chosen = ["--auth-type", "qwen-oauth"]
    provider = stage.provider("qwen-code", QwenDialect, lines, env=key, args=chosen)
    await run(provider)
    assert stage.argv().count("--auth-type") == 1 and stage.argv()[-1] == "qwen-oauth"
    # ...or in its settings
    settings = stage.tmp / ".qwen" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({"security": {"auth": {"selectedType": "qwen-oauth"}}}))
    provider = stage.provider("qwen-code", QwenDialect, lines, env=key)
    await run(provider)
    assert "--auth-type" not in stage.argv()


async def test_doctor_names_a_qwen_without_an_auth_type(
    stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    env = {"HOME": str(stage.tmp)}
    provider = stage.provider("qwen-code", QwenDialect, "", env=env)
    [problem] = await provider.check()
    assert "no auth type" in problem and "OPENAI_API_KEY" in problem and "--auth-type" in problem
    provider = stage.provider("qwen-code", QwenDialect, "", env=env, args=["--auth-type=openai"])
    assert await provider.check() == []


async def test_codex_reconnecting_is_not_a_failure(stage: Stage) -> None:
    lines = fixtures.lines(fixtures.CODEX_RECONNECTED)
    got = await run(stage.provider("codex", CodexDialect, lines))
    assert got[-3:] == [TextDelta("Updated a.py."), Usage(1200, 80, 1000), Done("stop")]


async def test_codex_retrying_a_refused_key_is_stopped_at_once(
    stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLAY_HANG", "1")
    lines = fixtures.lines(fixtures.CODEX_RECONNECTING_401, noise=False)
    provider = stage.provider(
        "codex", CodexDialect, lines, idle_timeout_seconds=60, kill_grace_seconds=0.5
    )
    with pytest.raises(ProviderError) as info:
        await run(provider)
    assert info.value.kind == "auth" and info.value.status == 401, info.value
    assert not info.value.retryable


async def test_codex_turn_failed_with_401_is_final(stage: Stage) -> None:
    provider = stage.provider("codex", CodexDialect, fixtures.lines(fixtures.CODEX_FAILED_401))
    with pytest.raises(ProviderError, match="401 Unauthorized") as info:
        await run(provider)
    assert info.value.kind == "auth" and not info.value.retryable


# ------------------------------------------------------------------ resume
@pytest.mark.parametrize(
    ("kind", "dialect", "stdout", "expected"),
    [
        ("gemini-cli", GeminiCLIDialect, fixtures.GEMINI_OK, ["--resume", "sess-9"]),
        ("copilot", CopilotDialect, fixtures.COPILOT_OK, ["--resume=sess-9"]),
        ("codex", CodexDialect, fixtures.CODEX, ["resume", "sess-9"]),
    ],
)
async def test_every_cli_that_can_resumes_its_session(
    stage: Stage,
    kind: str,
    dialect: type[Dialect],
    stdout: list[dict[str, object]],
    expected: list[str],
) -> None:
    provider = stage.provider(kind, dialect, fixtures.lines(stdout), args=["--flag"])
    await run(provider, StreamRequest("default", REQUEST.messages, 10, resume="sess-9"))
    argv = stage.argv()
    at = next(i for i in range(len(argv)) if argv[i : i + len(expected)] == expected)
    if kind == "codex":  # codex exec [options] resume <id> <prompt>
        assert argv[at:] == ["resume", "sess-9", "Be careful.\n\nList files."]
        assert argv.index("--flag") < at
    else:
        assert argv.index("--flag") > at
    await run(provider, StreamRequest("default", REQUEST.messages, 10))
    assert "sess-9" not in stage.argv()


async def test_copilot_authentication_error_is_final(stage: Stage) -> None:
    lines = fixtures.lines(fixtures.COPILOT_AUTH_FAILED)
    provider = stage.provider("copilot", CopilotDialect, lines)
    with pytest.raises(ProviderError, match="Authentication failed") as info:
        await run(provider)
    assert info.value.kind == "auth" and info.value.status == 401
    assert not info.value.retryable


async def test_gemini_cli_failure_is_classified_by_the_status_it_quotes(stage: Stage) -> None:
    provider = stage.provider("gemini-cli", GeminiCLIDialect, fixtures.lines(fixtures.GEMINI_QUOTA))
    with pytest.raises(ProviderError, match="429 Resource exhausted") as info:
        await run(provider)
    assert info.value.kind == "rate_limit" and info.value.retryable
