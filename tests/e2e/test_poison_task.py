"""A task that brings the process down every time is held, not re-run forever: a real
``swarm-tui run --headless`` is SIGKILLed while the task streams, ``max_abandoned`` times in a
row; the next run holds the task (paused, with the reason) instead of calling the model again,
``status`` shows it, and what the abandoned attempts were billed is counted (estimated)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.crash import kill_mid_stream, query, start_run
from tests.providers.loopback import LoopbackServer, Reply, sse

pytestmark = pytest.mark.slow

LIMIT = 3


def _stream() -> Reply:
    chunks: list[object] = [
        {"choices": [{"index": 0, "delta": {"content": f"t{i} "}, "finish_reason": None}]}
        for i in range(200)
    ]
    return Reply(pieces=sse(*chunks), drip=0.05)  # slow: still streaming when killed


def _inputs(tmp_path: Path, url: str) -> tuple[Path, Path]:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[providers.drip]
kind = "openai"
base_url = "{url}/v1"
[providers.drip.models.m]
input_per_mtok = 2.0
output_per_mtok = 8.0

[agents.worker]
mix = {{ "drip/m" = 1.0 }}

[orchestrator]
max_abandoned = {LIMIT}
"""
    )
    tasks = tmp_path / "tasks.toml"
    tasks.write_text('[[task]]\nkey = "poison"\nprompt = "this one kills the process"\n')
    return config, tasks


def _swarm(config: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(db.parent / "xdg")}
    env.pop("SWARM_TUI_CONFIG", None)
    env.pop("SWARM_TUI_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "swarm_tui", "--config", str(config), "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


async def test_a_task_that_keeps_killing_the_process_is_held_with_its_spend_counted(
    tmp_path: Path,
) -> None:
    db = tmp_path / "ledger.db"
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", _stream())
        config, tasks = _inputs(tmp_path, server.url)
        for _ in range(LIMIT):
            proc = await start_run(config, db, tasks)
            assert await kill_mid_stream(proc, db), "the run ended before it could be killed"
        assert len(server.requests) == LIMIT
        # The next start recovers the last abandoned attempt: the task is held, not re-run.
        proc = await start_run(config, db, tasks)
        out, _ = await asyncio.wait_for(proc.communicate(), 120)
        assert proc.returncode == 0, out.decode()
        assert len(server.requests) == LIMIT  # the model was not called again
    log = out.decode()
    assert f"held after {LIMIT} abandoned attempts in a row" in log
    [(state, held, abandoned)] = query(db, "SELECT state, held, abandoned FROM tasks")
    assert state == "paused" and abandoned == LIMIT
    assert "it may be what brings the process down" in str(held) and "resume it" in str(held)
    attempts = query(db, "SELECT state, tokens_in, tokens_out, usage_source, cost_usd, output"
                         " FROM attempts ORDER BY number")  # fmt: skip
    assert [a[0] for a in attempts] == ["abandoned"] * LIMIT
    for _state, tokens_in, tokens_out, source, cost, output in attempts:
        # Billed all the same: prompt and partial output estimated at ~4 characters/token.
        assert source == "estimated" and int(str(tokens_in)) > 0
        assert tokens_out == -(-len(str(output)) // 4) and float(str(cost)) > 0
    usage = query(db, "SELECT COUNT(*), SUM(cost_usd) FROM usage WHERE source = 'estimated'")
    assert usage[0][0] == LIMIT
    assert float(str(usage[0][1])) == pytest.approx(sum(float(str(a[4])) for a in attempts))
    events = [r[0] for r in query(db, "SELECT kind FROM events WHERE kind = 'task_held'")]
    assert events == ["task_held"]
    # ``status`` shows it held, with the reason; the JSON carries it too.
    shown = await asyncio.to_thread(_swarm, config, db, "status")
    assert shown.returncode == 0, shown.stderr
    assert "held" in shown.stdout and "abandoned attempts in a row" in shown.stdout
    data = json.loads((await asyncio.to_thread(_swarm, config, db, "status", "--json")).stdout)
    assert data["tasks"][0]["state"] == "paused" and "abandoned" in data["tasks"][0]["held"]
