"""Running a project's shell commands (setup, checks) in a worktree, bounded in time.

The command runs in a process group of its own; when its time is up the whole group is
killed (SIGKILL), so a test runner's workers and a dev server it started go too. Output
(stdout and stderr interleaved, as a terminal would show them) is kept up to a limit, the
end kept when it is cut, since a failing test's report is at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CommandResult", "run_command"]

OUTPUT_LIMIT = 256_000
"""Characters of output kept per command (the last ones)."""
DRAIN_AFTER_KILL_S = 5.0
"""How long output is still read after the group was killed (a child that left the group
could hold the pipe open for ever)."""


@dataclass(frozen=True, slots=True)
class CommandResult:
    name: str
    command: str
    exit_code: int | None
    """None when the command was killed at its timeout."""
    duration_s: float
    output: str
    timed_out: bool = False

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def verdict(self) -> str:
        """``passed``, ``failed (exit 1)`` or ``timed out after 30s``."""
        if self.timed_out:
            return f"timed out after {self.duration_s:.0f}s"
        return "passed" if self.passed else f"failed (exit {self.exit_code})"


async def _read_all(stream: asyncio.StreamReader, chunks: list[bytes]) -> None:
    while chunk := await stream.read(65536):
        chunks.append(chunk)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def run_command(name: str, command: str, cwd: Path, timeout_s: float) -> CommandResult:
    """Run ``command`` with ``/bin/sh -c`` in ``cwd``; kill its process group at the timeout."""
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        "/bin/sh",
        "-c",
        command,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    assert proc.stdout is not None
    chunks: list[bytes] = []
    reader = asyncio.create_task(_read_all(proc.stdout, chunks))
    timed_out = False
    try:
        await asyncio.wait_for(proc.wait(), timeout_s)
    except TimeoutError:
        timed_out = True
        _kill_group(proc.pid)
        await proc.wait()
    except BaseException:  # cancelled: nothing of ours keeps running
        _kill_group(proc.pid)
        reader.cancel()
        raise
    else:
        _kill_group(proc.pid)  # anything it left behind in its group
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(reader), DRAIN_AFTER_KILL_S)
    reader.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await reader
    duration = time.monotonic() - started
    text = b"".join(chunks).decode(errors="replace")
    if len(text) > OUTPUT_LIMIT:
        text = f"[first {len(text) - OUTPUT_LIMIT} characters cut]\n" + text[-OUTPUT_LIMIT:]
    code = None if timed_out else proc.returncode
    return CommandResult(name, command, code, duration, text, timed_out)
