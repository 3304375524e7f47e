"""Seeing the hub without a model, as a user runs it: ``swarm-tui mcp list|tools|call`` and
``swarm-tui doctor`` as real subprocesses against the real server-everything (npm) and
servers that cannot start; a headless run writes ``swarm-tui.log`` (0600)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HEAD = """
[providers.p]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[providers.p.models.m]
[agents.a]
mix = { "p/m" = 1.0 }
"""


def config(tmp_path: Path, npm_mcp: dict[str, Path], *extra: str) -> str:
    everything = npm_mcp["mcp-server-everything"]
    text = HEAD + f'[mcp.servers.everything]\ncommand = "{everything}"\n' + "\n".join(extra)
    path = tmp_path / "config.toml"
    path.write_text(text)
    return str(path)


def swarm(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARM_TUI")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    env.pop("UNSET_FOR_THE_TEST", None)
    return subprocess.run(
        [sys.executable, "-m", "swarm_tui", *args, "--db", str(tmp_path / "l" / "ledger.db")],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=600,
        check=False,
    )


GHOST = '[mcp.servers.ghost]\ncommand = "no-such-mcp-server-here"\n'
BAD_CWD = '[mcp.servers.lost]\ncommand = "{exe}"\ncwd = "{cwd}"\n'
NEEDS_VAR = '[mcp.servers.needy]\ncommand = "{exe}"\nenv = ["UNSET_FOR_THE_TEST"]\n'
HEADER = (
    '[mcp.servers.docs]\nurl = "http://127.0.0.1:9/mcp"\n'
    '[mcp.servers.docs.headers]\nAuthorization = "UNSET_FOR_THE_TEST"\n'
)


def test_mcp_tools_lists_the_tools_of_server_everything(
    tmp_path: Path, npm_mcp: dict[str, Path]
) -> None:
    done = swarm(tmp_path, "mcp", "tools", "everything", "--config", config(tmp_path, npm_mcp))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "everything__get-sum\n" in out and "everything__echo\n" in out
    assert "Echoes back the input string" in out  # descriptions
    assert '"message": {' in out  # schemas
    assert "everything__simulate-research-query" not in out
    assert "note: MCP server 'everything': tool 'simulate-research-query' is not offered" in out
    assert "Traceback" not in done.stderr


def test_mcp_list_shows_each_servers_state_and_tool_count(
    tmp_path: Path, npm_mcp: dict[str, Path]
) -> None:
    done = swarm(tmp_path, "mcp", "list", "--config", config(tmp_path, npm_mcp, GHOST, HEADER))
    assert done.returncode == 1  # not every server is up
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line[:1].isalpha()}
    assert "up, 13 tool(s)" in lines["everything"]
    assert "not started: command 'no-such-mcp-server-here' is not on PATH" in lines["ghost"]
    assert "header Authorization ($UNSET_FOR_THE_TEST) has no value" in lines["docs"]
    assert "not sampling" in done.stdout and "Traceback" not in done.stderr


def test_mcp_call_prints_what_a_model_would_read(tmp_path: Path, npm_mcp: dict[str, Path]) -> None:
    cfg = config(tmp_path, npm_mcp)
    done = swarm(
        tmp_path,
        "mcp",
        "call",
        "everything",
        "get-sum",
        "--args",
        '{"a": 1, "b": 2}',
        "--config",
        cfg,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "The sum of 1 and 2 is 3."
    links = swarm(
        tmp_path,
        "mcp",
        "call",
        "everything",
        "everything__get-resource-links",
        "--args",
        '{"count": 1}',
        "--config",
        cfg,
    )
    assert "<demo://resource/dynamic/blob/1>" in links.stdout
    bad = swarm(tmp_path, "mcp", "call", "everything", "get-sum", "--args", "[1", "--config", cfg)
    assert bad.returncode == 2 and "--args: not valid JSON" in bad.stderr
    missing = swarm(tmp_path, "mcp", "tools", "nowhere", "--config", cfg)
    assert missing.returncode == 2 and "no MCP server 'nowhere'" in missing.stderr


def test_doctor_checks_every_mcp_server(tmp_path: Path, npm_mcp: dict[str, Path]) -> None:
    exe = npm_mcp["mcp-server-everything"]
    extra = [
        GHOST,
        BAD_CWD.format(exe=exe, cwd=tmp_path / "no-such-dir"),
        NEEDS_VAR.format(exe=exe),
        HEADER,
    ]
    done = swarm(tmp_path, "doctor", "--config", config(tmp_path, npm_mcp, *extra))
    out = done.stdout
    assert done.returncode == 1
    assert "[ok] MCP server everything: up, 13 tool(s)" in out
    assert "[!!] MCP server ghost: command 'no-such-mcp-server-here' is not on PATH" in out
    assert f"[!!] MCP server lost: cwd '{tmp_path / 'no-such-dir'}' is not a directory" in out
    assert "[!!] MCP server needy: environment variable $UNSET_FOR_THE_TEST (env) is not set" in out
    assert "[!!] MCP server docs: header Authorization ($UNSET_FOR_THE_TEST) has no value" in out
    assert "Traceback" not in done.stderr


def test_a_headless_run_writes_its_log_file_privately(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(HEAD + HEADER)  # a server refused at start: a warning to log
    done = swarm(tmp_path, "run", "--headless", "--until-idle", "--config", str(cfg))
    assert done.returncode == 0, done.stderr
    log = tmp_path / "l" / "swarm-tui.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    said = "MCP server 'docs' is not started: header Authorization ($UNSET_FOR_THE_TEST)"
    assert said in log.read_text() and said in done.stderr
