"""Keeping an agent's file access inside its worktree.

A path is relative to the worktree. Refused, with the reason as data the caller records:
an absolute path, any ``..`` part, anything inside ``.git`` (the worktree's link to the
repository), and a path that resolves outside the worktree through a symlink (a symlink
inside the worktree that points inside it is fine). Checked again at each use: the
answer is about the file system as it is now.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = ["Refused", "confine"]


@dataclass(frozen=True, slots=True)
class Refused:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"refused {self.path!r}: {self.reason}"


def confine(root: Path, raw: str) -> Path | Refused:
    """``raw`` (relative to ``root``) as a path inside ``root``, or why it is refused."""
    if not raw or "\0" in raw:
        return Refused(raw, "a path must be a non-empty relative path such as src/app.py")
    pure = PurePosixPath(raw.replace("\\", "/"))
    if pure.is_absolute() or raw.startswith("~"):
        return Refused(raw, "absolute paths are refused: give a path relative to the worktree")
    if ".." in pure.parts:
        return Refused(raw, "'..' is refused: paths stay inside the worktree")
    if ".git" in pure.parts:
        return Refused(raw, "the .git folder is the repository's, not the task's")
    real_root = Path(os.path.realpath(root))
    target = real_root.joinpath(*pure.parts) if pure.parts else real_root
    resolved = Path(os.path.realpath(target))
    if resolved != real_root and real_root not in resolved.parents:
        return Refused(raw, f"it leads outside the worktree through a symlink (to {resolved})")
    return target
