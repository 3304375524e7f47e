"""A canary key in the environment never reaches the ledger, the logs or error text — even
when a hostile backend echoes it back in its error messages and streamed text."""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.providers.loopback import LoopbackServer, Reply, json_reply, sse

pytestmark = pytest.mark.slow


async def _swarm(*args: str, env: dict[str, str]) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "swarm_tui", *args, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode()


async def test_canary_key_never_written_anywhere(tmp_path: Path) -> None:
    canary = "sk-canary-" + secrets.token_hex(24)
    env = {**os.environ, "CANARY_API_KEY": canary, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    db = tmp_path / "ledger.db"
    async with LoopbackServer() as server:
        echo = {"error": {"message": f"invalid api key {canary}", "type": "auth"}}
        server.route(
            "POST", "/v1/chat/completions",
            json_reply(401, echo),
            Reply(pieces=sse(
                {"choices": [{"index": 0, "delta": {"content": f"key is {canary}"},
                              "finish_reason": "stop"}]},
            )),
        )  # fmt: skip
        server.route("GET", "/v1/models", json_reply(500, {"error": f"down, key {canary}"}))
        config = tmp_path / "config.toml"
        config.write_text(
            f'[providers.hostile]\nkind = "openai"\nbase_url = "{server.url}/v1"\n'
            'api_key_env = "CANARY_API_KEY"\n[providers.hostile.models.m]\n\n'
            '[agents.a]\nmix = { "hostile/m" = 1.0 }\n'
        )
        tasks = tmp_path / "tasks.toml"
        tasks.write_text('[[task]]\nprompt = "one"\n\n[[task]]\nprompt = "two"\n')
        common = ["--config", str(config), "--db", str(db)]
        outputs = [
            await _swarm(*common, "run", "--headless", "--tasks", str(tasks), "--until-idle",
                         env=env),
            await _swarm(*common, "status", "--json", env=env),
            await _swarm(*common, "doctor", env=env),
        ]  # fmt: skip
        sent = [r.headers.get("authorization", "") for r in server.requests]
    assert any(canary in h for h in sent), "the key was not even sent: the test proves nothing"
    for _code, text in outputs:
        assert canary not in text, text
    states = sqlite3.connect(db).execute("SELECT state FROM tasks").fetchall()
    assert sorted(s for (s,) in states) == ["failed", "succeeded"]
    dump = "\n".join(sqlite3.connect(db).iterdump())
    assert "invalid api key" in dump  # the error text was stored...
    assert canary not in dump  # ...with the key masked, and the echoed stream text too
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix in (".log", ".db-wal", ".txt"):
            assert canary.encode() not in path.read_bytes(), path
