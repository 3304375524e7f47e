"""Running git: one async helper, plain environment, no prompts, clear failures.

Every call sets ``GIT_TERMINAL_PROMPT=0`` (never wait for a password), ignores the user's
``commit.gpgsign`` (a swarm commit cannot ask for a passphrase) and runs in the folder it is
given, never in the current directory by accident.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GitError", "GitResult", "git", "git_ok"]


class GitError(Exception):
    """A git command failed; the message names the command, the folder and git's words."""

    def __init__(self, args: Sequence[str], cwd: Path, code: int, stderr: str) -> None:
        said = stderr.strip().splitlines()
        detail = "; ".join(said[-3:]) if said else f"exit status {code}"
        super().__init__(f"git {' '.join(args[:3])} in {cwd}: {detail}")
        self.code = code
        self.stderr = stderr


@dataclass(frozen=True, slots=True)
class GitResult:
    code: int
    out: str
    err: str


_BASE_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}


async def git(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    check: bool = True,
) -> GitResult:
    """``git -C cwd ARGS``; raises :class:`GitError` on a non-zero exit when ``check``."""
    full = ["git", "-c", "commit.gpgsign=false", "-c", "core.quotepath=off", *args]
    proc = await asyncio.create_subprocess_exec(
        *full,
        cwd=cwd,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **_BASE_ENV, **(env or {})},
    )
    out, err = await proc.communicate(stdin.encode() if stdin is not None else None)
    code = proc.returncode or 0
    result = GitResult(code, out.decode(errors="replace"), err.decode(errors="replace"))
    if check and code != 0:
        raise GitError(args, cwd, code, result.err or result.out)
    return result


async def git_ok(cwd: Path, *args: str) -> bool:
    """True when ``git ARGS`` exits 0 (a question such as ``merge-base --is-ancestor``)."""
    return (await git(cwd, *args, check=False)).code == 0
