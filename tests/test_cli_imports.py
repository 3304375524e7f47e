"""The short commands load the config and the ledger, nothing more: no MCP SDK, no HTTP client,
no Textual, no orchestrator, no provider; no config model (pydantic) for a config already seen
valid; the consensus code only to read or settle a vote (checked in a fresh interpreter, by
what ``sys.modules`` holds after the command ran; not a timing test)."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from swarm_tui.cli.main import USER_ERRORS
from tests.cli_ledger import cli_env, submit
from tests.e2e.test_decide_cli import CONFIG as VOTE_CONFIG
from tests.e2e.test_decide_cli import a_waiting_conflict
from tests.test_cli import swarm

HEAVY = (
    *("mcp", "httpx", "textual", "swarm_tui.core.orchestrator", "swarm_tui.runtime"),
    *("pydantic", "swarm_tui.config.settings", "swarm_tui.providers", "swarm_tui.core.consensus"),
)

VOTE_CODE = ("swarm_tui.core.consensus", "swarm_tui.providers.base", "swarm_tui.providers")
"""What reading a vote's record may load (its dataclasses; no pydantic, no provider SDK)."""


CLIENT_CODE = VOTE_CODE
"""What the service's client loads beyond a bare-ledger command: the consensus record's code
(a vote's answer decodes to it). No config model (pydantic), provider SDK, MCP SDK, Textual
or orchestrator: its error classes come from ``core.errors``, and the room's types that need
the config (held tool calls, budget lines) load only when a room's call is decoded."""


def beyond(loaded: list[str], allowed: tuple[str, ...] = ()) -> list[str]:
    return [m for m in loaded if not any(m == a or m.startswith(a + ".") for a in allowed)]


PROBE = """
import json, sys
from swarm_tui.cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
heavy = {heavy!r}
loaded = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))
served = "swarm_tui.service.client" in sys.modules
print(json.dumps({{"code": code, "loaded": loaded, "served": served}}), file=sys.stderr)
"""


def probe(db: Path, *args: str) -> dict[str, Any]:
    """What the command ``args`` returned, the heavy modules it loaded, and whether it went
    through a service's socket."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args, "--db", str(db)],
        capture_output=True,
        text=True,
        env=cli_env(db.parent),
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    report: dict[str, Any] = json.loads(done.stderr.strip().splitlines()[-1])
    return report


def loaded_by(db: Path, *args: str) -> tuple[int, list[str]]:
    report = probe(db, *args)
    assert not report["served"]  # no service runs: the bare ledger
    return report["code"], report["loaded"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ("--version",),
        ("status",),
        ("status", "--json"),
        ("submit", "another", "--key", "k"),
        ("result", "1"),
        ("decide",),
        ("decide", "1", "A"),
        ("logs", "1"),
        ("cancel", "1"),
        ("prio", "1", "5"),
        ("pause-all",),
        ("resume-all",),
    ],
)
def test_a_short_command_loads_no_provider_sdk_tui_or_orchestrator(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    db = tmp_path / "l.db"
    submit(db, "first")
    code, loaded = loaded_by(db, *args)
    assert code in (0, 2, 4), code  # 2: decide 1 A is refused (nothing waits); 4: not done
    assert beyond(loaded, VOTE_CODE if args[:1] == ("decide",) and len(args) > 1 else ()) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [("status", "--json"), ("submit", "another"), ("result", "1"), ("decide",), ("cancel", "1")],
)
def test_with_a_config_file_only_its_first_command_builds_the_models(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    db, config = tmp_path / "l.db", tmp_path / "c.toml"
    submit(db, "first")
    config.write_text("[orchestrator]\nmax_concurrent = 2\n")
    first = probe(db, "status", "--config", str(config))
    assert first["code"] == 0 and "pydantic" in first["loaded"]  # new: validated in full
    report = probe(db, *args, "--config", str(config))
    assert report["code"] in (0, 4), report  # 4: result of a task not done yet
    assert report["loaded"] == []
    config.write_text("[orchestrator]\nmax_concurrent = 0\n")  # edited: checked again
    edited = probe(db, *args, "--config", str(config))
    assert edited["code"] == 2 and "pydantic" in edited["loaded"]


@pytest.mark.slow
def test_the_probe_sees_what_a_command_that_needs_them_loads(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    submit(db, "first")
    _code, loaded = loaded_by(db, "mcp", "list")
    assert "mcp" in loaded and "swarm_tui.runtime" in loaded


@pytest.mark.slow
async def test_a_short_command_through_a_service_loads_no_more(tmp_path: Path) -> None:
    config, db = tmp_path / "config.toml", tmp_path / "l.db"
    config.write_text(VOTE_CONFIG)
    task = str(await a_waiting_conflict(config, db))
    common = ("--config", str(config), "--db", str(db))
    up = swarm("up", *common, env=cli_env(tmp_path))
    assert up.returncode == 0, up.stderr
    pid = int(up.stdout.split()[3].rstrip(","))
    try:
        for args in (
            ("status",),
            ("status", "--json"),
            ("result", task),
            ("logs", task),
            ("decide",),
            ("decide", task, "--json"),
            ("prio", task, "5"),
            ("decide", task, "A"),
            ("submit", "another", "--key", "k"),
            ("pause-all",),
            ("resume-all",),
        ):
            report = probe(db, *args, "--config", str(config))
            assert report["served"], args  # it went through the service's socket
            assert report["code"] in (0, 4), (args, report)  # 4: result of a waiting vote
            assert beyond(report["loaded"], CLIENT_CODE) == [], args
    finally:
        down = swarm("down", *common, env=cli_env(tmp_path))
        if down.returncode != 0:
            os.kill(pid, signal.SIGKILL)
        assert down.returncode == 0, down.stderr


def test_every_user_error_named_by_main_is_an_exception_class() -> None:
    for module, name in USER_ERRORS:
        error = getattr(importlib.import_module(module), name)
        assert isinstance(error, type) and issubclass(error, Exception), (module, name)
