"""``swarm-tui run --headless`` as a user runs it, with ``[notify]``: when its queue drains it
says so through apprise to a loopback stand-in, with the command to run next; a URL that
refuses does not change the run's outcome; the URL's token is on no line it prints or logs."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from pathlib import Path

import pytest

from tests.core.notify.test_notifier import closed_port
from tests.providers.loopback import LoopbackServer, Reply, json_reply, sse

pytestmark = pytest.mark.slow


async def test_a_headless_run_tells_when_its_queue_drains(tmp_path: Path) -> None:
    token = "tok" + secrets.token_hex(12)
    env = {
        **os.environ,
        "NOTIFY_TOKEN": token,
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "SWARM_TUI_NOTIFY_URLS": "",
    }
    async with LoopbackServer() as server:
        answer = {"choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}]}
        server.route("POST", "/v1/chat/completions", Reply(pieces=sse(answer)))
        server.route("GET", "/v1/models", json_reply(200, {"data": [{"id": "m"}]}))
        server.route("POST", f"/hook/{token}", json_reply(200, {}))
        hook = server.url.replace("http://", "json://") + "/hook/${NOTIFY_TOKEN}"
        refused = f"json://127.0.0.1:{closed_port()}/${{NOTIFY_TOKEN}}"
        config = tmp_path / "config.toml"
        config.write_text(
            f'[providers.loop]\nkind = "openai"\nbase_url = "{server.url}/v1"\n'
            '[providers.loop.models.m]\n\n[agents.a]\nmix = { "loop/m" = 1.0 }\n\n'
            f'[notify]\nurls = ["{refused}", "{hook}"]\n'
        )
        tasks = tmp_path / "tasks.toml"
        tasks.write_text('[[task]]\nprompt = "one"\n\n[[task]]\nprompt = "two"\n')
        db = tmp_path / "ledger.db"
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "swarm_tui", "--config", str(config), "--db", str(db),
            "run", "--headless", "--tasks", str(tasks), "--until-idle", env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 120)
    stderr = err.decode()
    assert proc.returncode == 0, stderr
    assert "done: 2 succeeded" in stderr
    [hit] = [r for r in server.requests if r.path == f"/hook/{token}"]
    body = hit.json()
    assert body["title"] == "swarm-tui: the queue is drained"
    assert "2 succeeded" in str(body["message"])
    assert "-> swarm-tui report --since 24h" in str(body["message"])
    assert "[notify] urls[0] (json)" in stderr  # the refusing URL, named by its place
    assert "sent to 1 of 2 URL(s)" in stderr
    log = (tmp_path / "swarm-tui.log").read_text()
    assert "[notify] urls[0] (json)" in log
    for text in (stderr, out.decode(), log):
        assert token not in text
