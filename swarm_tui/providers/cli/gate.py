"""An agent CLI started held at a gate, so that it is recorded before it can do any work.

The orchestrator records each CLI it starts (pid, process group, start time) so that a
restart stops one a killed orchestrator left running. Recording needs the pid, so it comes
after the start; a kill between the two would leave a CLI nobody knows of, burning tokens.
So a watched CLI is started through ``/bin/sh``, which waits for one line on its stdin (a
pipe only the orchestrator holds the other end of) and then ``exec``s the CLI with stdin
from ``/dev/null``, as before. ``exec`` keeps the pid, the process group and the start time:
what was recorded is the CLI. The orchestrator writes the line once the record is written
(:meth:`Gate.open`). If it dies first, the kernel closes its end of the pipe, the read meets
end-of-file and the process exits without ever running the CLI; :meth:`Gate.close` does the
same when the start is abandoned (a cancel).

A missing program must still be a final error at the start, not an exit code later, so the
program is looked up first as the exec will (:func:`find_program`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

__all__ = ["GATE_EXIT", "Gate", "find_program"]

GATE_EXIT = 97
"""The exit code of a gate whose orchestrator went away before it opened."""

_SCRIPT = f'IFS= read -r _ || exit {GATE_EXIT}; exec "$@" </dev/null'


class Gate:
    """A pipe: the held process reads one end (its stdin), the orchestrator writes the other."""

    def __init__(self) -> None:
        self.read_end, self._write_end = os.pipe()  # not inherited by other children
        self._read_open = True
        self._write_open = True

    def argv(self, argv: list[str]) -> list[str]:
        """``argv`` started held at the gate."""
        return ["/bin/sh", "-c", _SCRIPT, "swarm-tui-gate", *argv]

    def started(self) -> None:
        """The held process has its copy of the read end: drop ours."""
        if self._read_open:
            self._read_open = False
            os.close(self.read_end)

    def open(self) -> None:
        """Let the held process run the CLI (a process already gone is no error)."""
        if self._write_open:
            with contextlib.suppress(OSError):  # BrokenPipeError: it is gone
                os.write(self._write_end, b"go\n")
        self.close()

    def close(self) -> None:
        """Both ends closed: a held process that was not let through exits unrun."""
        self.started()
        if self._write_open:
            self._write_open = False
            os.close(self._write_end)


def find_program(program: str, cwd: Path, env: dict[str, str]) -> bool:
    """Whether ``program`` names an executable file, found the way ``exec`` finds it: a name
    with a slash from ``cwd``, a bare name on the environment's ``PATH``."""
    if "/" in program:
        path = Path(program) if os.path.isabs(program) else cwd / program
        return path.is_file() and os.access(path, os.X_OK)
    return shutil.which(program, path=env.get("PATH", os.defpath)) is not None
