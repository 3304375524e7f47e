"""The room's terminal title in a real terminal: ``swarm-tui`` runs in tmux against a loopback
model; when its queue drains, tmux's pane title (set by the room's OSC 2) says so."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.providers.loopback import LoopbackServer, Reply, json_reply, sse
from tests.tui.test_tmux import Tmux

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

SWARM_TUI = Path(sys.executable).with_name("swarm-tui")


@pytest.fixture
async def tmux(tmp_path: Path) -> AsyncIterator[Tmux]:
    term = Tmux(tmp_path)
    try:
        yield term
    finally:
        term.kill()


async def test_the_pane_title_says_the_queue_drained(tmp_path: Path, tmux: Tmux) -> None:
    assert SWARM_TUI.exists(), f"{SWARM_TUI} is missing: run make setup"
    async with LoopbackServer() as server:
        answer = {"choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}]}
        server.route("POST", "/v1/chat/completions", Reply(pieces=sse(answer)))
        server.route("GET", "/v1/models", json_reply(200, {"data": [{"id": "m"}]}))
        config = tmp_path / "config.toml"
        config.write_text(
            f'[providers.loop]\nkind = "openai"\nbase_url = "{server.url}/v1"\n'
            '[providers.loop.models.m]\n\n[agents.a]\nmix = { "loop/m" = 1.0 }\n\n'
            "[hardware]\nenabled = false\n"
        )
        tasks = tmp_path / "tasks.toml"
        tasks.write_text('[[task]]\nprompt = "one"\n')
        command = [
            "env", "-u", "SWARM_TUI_CONFIG", "-u", "SWARM_TUI_DB", "-u", "COLUMNS", "-u", "LINES",
            "-u", "SWARM_TUI_NOTIFY_URLS", f"XDG_CONFIG_HOME={tmp_path / 'xdg'}",
            "TERM=xterm-256color", str(SWARM_TUI), "--config", str(config),
            "--db", str(tmp_path / "ledger.db"), "--tasks", str(tasks),
        ]  # fmt: skip
        tmux.start(command, tmp_path, tmp_path / "exit-status")
        title = ""
        try:
            async with asyncio.timeout(120):
                while title != "swarm-tui: queue drained":
                    await asyncio.sleep(0.25)
                    assert not tmux.exited(), tmux.screen()
                    title = tmux.tmux("display", "-p", "-t", "room", "#{pane_title}").strip()
        except TimeoutError:
            pytest.fail(f"pane title {title!r}; screen:\n{tmux.screen()}")
        tmux.keys("q")
        async with asyncio.timeout(60):
            while not tmux.exited():
                await asyncio.sleep(0.25)
