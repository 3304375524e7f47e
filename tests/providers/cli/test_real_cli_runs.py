"""A headless ``swarm-tui run`` whose agent is Codex 0.171 from npm, offline against the
scripted Responses model: the swarm's own tool call made inside the CLI is in the ledger
(``tool_calls``, approved by ``cli``), its memory write carries the provider as author, and
the CLI's session is kept for a resume."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.e2e.crash import cli, query
from tests.providers.cli.scripted_model import ScriptedModel
from tests.providers.cli.test_real_agent_clis import KEY, _codex
from tests.providers.loopback import LoopbackServer

pytestmark = pytest.mark.slow


async def test_a_codex_agents_swarm_tool_call_is_recorded_in_the_ledger(
    npm_tools: dict[str, Path], tmp_path: Path
) -> None:
    work, home, db = tmp_path / "work", tmp_path / "home", tmp_path / "ledger.db"
    work.mkdir()
    home.mkdir()
    memory = {"memory_name": "plan", "content": "ship it"}
    tasks = tmp_path / "tasks.toml"
    tasks.write_text(
        f"[[task]]\ntitle = \"note\"\nprompt = '''Note the plan."
        f" [[call write_memory {json.dumps(memory)}]]'''\n"
    )
    async with LoopbackServer() as server:
        model = ScriptedModel(server)
        section = _codex(npm_tools["codex"], model.base_url, home)
        common = f'workdir = "{work}"\ntimeout_seconds = 180.0\nidle_timeout_seconds = 120.0'
        config = tmp_path / "config.toml"
        config.write_text(
            f"""
[providers.codex]
kind = "codex"
[providers.codex.models.m]
{section.replace("{common}", common)}
[agents.generalist]
mix = {{ "codex/m" = 1.0 }}
"""
        )
        proc = await asyncio.create_subprocess_exec(
            *cli("--db", str(db), "--config", str(config), "run", "--headless"),
            "--tasks", str(tasks), "--until-idle",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), 300)
    log = db.parent / "codex-cli.log"
    logs = log.read_text() if log.exists() else ""
    assert proc.returncode == 0, out.decode(errors="replace") + logs[-2000:]
    [(state, result)] = query(db, "SELECT state, result FROM tasks")
    assert state == "succeeded" and "Memory plan written." in str(result)
    assert query(db, "SELECT name, content, author FROM memories") == [("plan", "ship it", "codex")]
    rows = query(db, "SELECT tool, arguments, outcome, approved_by, error FROM tool_calls")
    assert rows == [("swarm__write_memory", json.dumps(memory, sort_keys=True), "ok", "cli", None)]
    [(data,)] = query(db, "SELECT data FROM events WHERE kind = 'cli_session'")
    assert json.loads(str(data))["session_id"]
    assert KEY not in out.decode(errors="replace")
