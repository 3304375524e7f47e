"""Every agent CLI gets `swarm-tui mcp-serve` in its MCP configuration: the exact argv,
files and environment each one is launched with (through the real subprocess runner and the
stand-in CLI), the switches that turn it off, and the command built from the settings."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from swarm_tui.config import load_settings
from swarm_tui.providers.cli.base import CLIProvider
from swarm_tui.providers.cli.claude import ClaudeDialect, QwenDialect
from swarm_tui.providers.cli.codex import CodexDialect
from swarm_tui.providers.cli.copilot import CopilotDialect
from swarm_tui.providers.cli.dialect import Dialect
from swarm_tui.providers.cli.gemini_cli import GeminiCLIDialect
from swarm_tui.providers.cli.swarm_mcp import SwarmServer, swarm_server
from swarm_tui.providers.registry import build_providers
from tests.providers.cli import fixtures
from tests.providers.cli.test_cli_replay import Stage, run

SERVER = SwarmServer("/opt/py/bin/python3", ("-m", "swarm_tui", "mcp-serve", "--db", "/d/l.db"))
ENTRY = {"command": SERVER.command, "args": ["-m", "swarm_tui", "mcp-serve", "--db", "/d/l.db"]}
PROMPT = "Be careful.\n\nList files."
COPILOT = [
    {"type": "assistant.message", "data": {"messageId": "m", "content": "ok"}},
    {"type": "result", "sessionId": "c-1", "exitCode": 0},
]
GEMINI = [
    {"type": "init", "session_id": "g-1", "model": "m"},
    {"type": "message", "role": "assistant", "content": "ok", "delta": True},
    {"type": "result", "status": "success", "stats": {"input_tokens": 1, "output_tokens": 1}},
]


@pytest.fixture
def stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Stage:
    return Stage(tmp_path, monkeypatch)


async def launch(
    stage: Stage, kind: str, dialect: type[Dialect], stdout: list[Any], **cli: Any
) -> dict[str, Any]:
    """Run the stand-in CLI once with the swarm server; what it was started with."""
    provider = stage.provider(kind, dialect, fixtures.lines(stdout), **cli)
    provider.swarm_mcp = SERVER
    await run(provider)
    record: dict[str, Any] = json.loads(stage.record.read_text())
    return record


def added_env(record: dict[str, Any]) -> dict[str, str]:
    """Variables the CLI got beyond ours (the stage's REPLAY_* are set in ours; PWD is the
    stand-in's shell wrapper's own)."""
    env: dict[str, str] = record["env"]
    return {k: v for k, v in env.items() if os.environ.get(k) != v and k != "PWD"}


async def test_claude_code_gets_an_mcp_config_file_and_the_servers_tools(stage: Stage) -> None:
    record = await launch(
        stage, "claude-code", ClaudeDialect, fixtures.CLAUDE, args=["--max-turns", "3"]
    )
    argv = record["argv"]
    config = argv[argv.index("--mcp-config") + 1]
    assert argv == [
        "-p", PROMPT, "--output-format", "stream-json", "--verbose", "--model", "sonnet",
        "--mcp-config", config, "--allowedTools", "mcp__swarm", "--max-turns", "3",
    ]  # fmt: skip
    # alwaysLoad: in -p mode Claude Code does not otherwise wait for the server's tools
    assert json.loads(record["files"][config]) == {
        "mcpServers": {"swarm": {"type": "stdio", "alwaysLoad": True, **ENTRY}}
    }
    assert not Path(config).exists()  # the run's scratch directory is gone
    assert added_env(record) == {}


async def test_qwen_code_gets_a_trusted_server_in_an_mcp_config_file(stage: Stage) -> None:
    stage.monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # else --auth-type openai
    record = await launch(stage, "qwen-code", QwenDialect, fixtures.QWEN_OK)
    argv = record["argv"]
    config = argv[-1]
    assert argv == [
        "-p", PROMPT, "--output-format", "stream-json", "--model", "sonnet",
        "--mcp-config", config,
    ]  # fmt: skip
    trusted = {"trust": True, **ENTRY}
    assert json.loads(record["files"][config]) == {"mcpServers": {"swarm": trusted}}
    assert added_env(record) == {}


async def test_copilot_gets_an_additional_mcp_config_file(stage: Stage) -> None:
    record = await launch(stage, "copilot", CopilotDialect, COPILOT)
    argv = record["argv"]
    flag = argv.index("--additional-mcp-config")
    config = argv[flag + 1]
    assert config.startswith("@/")
    assert argv[flag:] == ["--additional-mcp-config", config]
    assert argv[:8] == ["-p", PROMPT, "--output-format", "json", "--allow-all-tools",
                        "--no-auto-update", "--usage-output-file", argv[7]]  # fmt: skip
    assert json.loads(record["files"][config[1:]]) == {
        "mcpServers": {"swarm": {"type": "local", "tools": ["*"], **ENTRY}}
    }
    assert added_env(record) == {}


async def test_codex_gets_config_overrides_that_parse_as_toml(stage: Stage) -> None:
    record = await launch(stage, "codex", CodexDialect, fixtures.CODEX)
    argv = record["argv"]
    assert argv[:5] == ["exec", "--json", "--skip-git-repo-check", "--model", "sonnet"]
    assert argv[-1] == PROMPT
    overrides = argv[5:-1]
    assert overrides[::2] == ["-c"] * 5
    swarm: dict[str, Any] = {}
    for item in overrides[1::2]:
        parsed = tomllib.loads(item)  # codex reads each key=value as TOML
        assert list(parsed) == ["mcp_servers"] and list(parsed["mcp_servers"]) == ["swarm"]
        swarm.update(parsed["mcp_servers"]["swarm"])
    # required: Codex waits for the server (else its tools are missing); "approve": codex
    # exec never asks, so an unapproved call fails ("approval policy is never")
    assert swarm == {
        **ENTRY,
        "startup_timeout_sec": 30,
        "required": True,
        "default_tools_approval_mode": "approve",
    }
    assert added_env(record) == {}


async def test_gemini_cli_gets_a_per_run_home_over_the_users_own(stage: Stage) -> None:
    home = stage.tmp / "home"
    real = home / ".gemini"
    real.mkdir(parents=True)
    user_settings = {
        "mcpServers": {"git": {"command": "mcp-server-git"}},
        "mcp": {"allowed": ["git"]},
        "ui": {"theme": "Dracula"},
    }
    (real / "settings.json").write_text(json.dumps(user_settings))
    (real / "oauth_creds.json").write_text("{}")
    record = await launch(stage, "gemini-cli", GeminiCLIDialect, GEMINI, env={"HOME": str(home)})
    assert record["argv"] == ["-p", PROMPT, "-o", "stream-json", "--skip-trust", "-m", "sonnet"]
    env = added_env(record)
    run_home = env["GEMINI_CLI_HOME"]
    assert env == {"HOME": str(home), "GEMINI_CLI_HOME": run_home}  # HOME is configured
    assert not run_home.startswith(str(home))
    seen = record["gemini_home"]
    assert seen["oauth_creds.json"] == f"-> {real / 'oauth_creds.json'}"
    assert json.loads(seen["settings.json"]) == {
        "mcpServers": {"git": {"command": "mcp-server-git"}, "swarm": {"trust": True, **ENTRY}},
        "mcp": {"allowed": ["git", "swarm"]},
        "ui": {"theme": "Dracula"},
    }
    assert json.loads((real / "settings.json").read_text()) == user_settings  # untouched
    assert not Path(run_home).exists()


async def test_gemini_settings_that_are_not_json_leave_the_cli_as_it_was(stage: Stage) -> None:
    home = stage.tmp / "home"
    (home / ".gemini").mkdir(parents=True)
    (home / ".gemini" / "settings.json").write_text("{ // a comment\n}")
    record = await launch(stage, "gemini-cli", GeminiCLIDialect, GEMINI, env={"HOME": str(home)})
    assert "GEMINI_CLI_HOME" not in record["env"]
    log = (stage.tmp / "logs" / "agent-cli.log").read_text()
    assert "swarm MCP server not added" in log and "not plain JSON" in log


async def test_without_a_server_the_cli_is_launched_as_before(stage: Stage) -> None:
    provider = stage.provider("claude-code", ClaudeDialect, fixtures.lines(fixtures.CLAUDE))
    await run(provider)
    record = json.loads(stage.record.read_text())
    assert "--mcp-config" not in record["argv"] and record["files"] == {}


def _settings(tmp_path: Path, extra: str = "", cli: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[mcp]
{extra}
[providers.claude]
kind = "claude-code"
[providers.claude.cli]
{cli}
[providers.claude.models.default]
[providers.gemini]
kind = "gemini-cli"
[providers.gemini.models.default]
[providers.api]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[providers.api.models.m]
[agents.a]
mix = {{ "claude/default" = 1.0 }}
"""
    )
    return path


def test_the_server_is_this_interpreters_swarm_tui_on_the_ledger_and_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _settings(tmp_path)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(Path("config.toml"))  # a relative path: made absolute
    server = swarm_server(settings, Path("data/ledger.db"))
    assert server == SwarmServer(
        sys.executable,
        ("-m", "swarm_tui", "mcp-serve", "--db", str(tmp_path / "data" / "ledger.db"),
         "--config", str(config)),
    )  # fmt: skip
    providers = build_providers(settings, log_dir=tmp_path, ledger=Path("data/ledger.db"))
    claude, gemini = providers["claude"], providers["gemini"]
    assert server is not None
    assert isinstance(claude, CLIProvider) and claude.swarm_mcp == server.for_agent("claude")
    assert isinstance(gemini, CLIProvider) and gemini.swarm_mcp is not None
    assert gemini.swarm_mcp.args == (*server.args, "--author", "gemini")
    assert not hasattr(providers["api"], "swarm_mcp")
    unhooked = build_providers(settings, log_dir=tmp_path)["claude"]
    assert isinstance(unhooked, CLIProvider) and unhooked.swarm_mcp is None


def test_a_provider_or_the_whole_mcp_table_can_switch_it_off(tmp_path: Path) -> None:
    settings = load_settings(_settings(tmp_path, cli="swarm_mcp = false"))
    providers = build_providers(settings, log_dir=tmp_path, ledger=tmp_path / "l.db")
    assert providers["claude"].swarm_mcp is None  # type: ignore[attr-defined]
    assert providers["gemini"].swarm_mcp is not None  # type: ignore[attr-defined]
    settings = load_settings(_settings(tmp_path, extra="cli_swarm_server = false"))
    assert swarm_server(settings, tmp_path / "l.db") is None
    providers = build_providers(settings, log_dir=tmp_path, ledger=tmp_path / "l.db")
    assert providers["gemini"].swarm_mcp is None  # type: ignore[attr-defined]


def test_built_in_settings_pass_no_config_file(tmp_path: Path) -> None:
    server = swarm_server(load_settings(None), tmp_path / "l.db")
    assert server is not None and "--config" not in server.args
