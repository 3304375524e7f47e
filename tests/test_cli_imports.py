"""The short commands load the config and the ledger, nothing more: no MCP SDK, no HTTP client,
no Textual, no orchestrator (checked in a fresh interpreter, by what ``sys.modules`` holds
after the command ran; not a timing test)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from swarm_tui.cli.main import USER_ERRORS
from tests.cli_ledger import cli_env, submit

HEAVY = ("mcp", "httpx", "textual", "swarm_tui.core.orchestrator", "swarm_tui.runtime")

PROBE = """
import json, sys
from swarm_tui.cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
heavy = {heavy!r}
loaded = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))
print(json.dumps({{"code": code, "loaded": loaded}}), file=sys.stderr)
"""


def loaded_by(db: Path, *args: str) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args, "--db", str(db)],
        capture_output=True,
        text=True,
        env=cli_env(db.parent),
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
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
    ],
)
def test_a_short_command_loads_no_provider_sdk_tui_or_orchestrator(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    db = tmp_path / "l.db"
    submit(db, "first")
    code, loaded = loaded_by(db, *args)
    assert code in (0, 2, 4), code  # 2: decide 1 A is refused (nothing waits); 4: not done
    assert loaded == []


@pytest.mark.slow
def test_the_probe_sees_what_a_command_that_needs_them_loads(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    submit(db, "first")
    _code, loaded = loaded_by(db, "mcp", "list")
    assert "mcp" in loaded and "swarm_tui.runtime" in loaded


def test_every_user_error_named_by_main_is_an_exception_class() -> None:
    for module, name in USER_ERRORS:
        error = getattr(importlib.import_module(module), name)
        assert isinstance(error, type) and issubclass(error, Exception), (module, name)
