"""A check that runs past its timeout is killed with its whole process group.

No ledger: processes alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

from swarm_tui.workspace.commands import run_command


def _gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (absent, or a zombie nobody reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


async def test_timeout_kills_the_process_group(tmp_path: Path) -> None:
    # The shell starts a grandchild and waits for it: killing only the shell would leave
    # the sleeper running (and holding the output pipe open).
    command = "sleep 300 & echo $! > child.pid; echo started; wait"
    result = await run_command("slow", command, tmp_path, timeout_s=1.0)
    assert result.timed_out and result.exit_code is None and not result.passed
    assert result.verdict().startswith("timed out after")
    assert "started" in result.output
    child = int((tmp_path / "child.pid").read_text())
    for _ in range(500):  # SIGKILL lands asynchronously: wait for the condition
        if _gone(child):
            break
        await asyncio.sleep(0.01)
    assert _gone(child)


async def test_output_and_exit_status_are_kept(tmp_path: Path) -> None:
    result = await run_command("fails", "echo out; echo err >&2; exit 3", tmp_path, 30)
    assert result.exit_code == 3 and not result.timed_out
    assert result.output == "out\nerr\n"
    assert result.verdict() == "failed (exit 3)"
