"""The state of one task's workspace, kept beside its worktree in a small JSON file (0600).

Until the ledger holds workspaces (see the issue 19 report for the records it will hold),
git and these files are the truth: the branch ``swarm/<task>-<slug>`` and the worktree say
what exists, the file says which task it belongs to, whether setup ran, the commits and
checks of each round, and how it ended (merged or rejected). A file is replaced atomically
(written beside, then renamed), so a kill -9 leaves the old one or the new one.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from swarm_tui.domain.private_files import FILE_MODE, private_dir

__all__ = ["CheckRecord", "Status", "WorkspaceState", "load_states", "save_state", "state_path"]

Status = Literal["open", "needs_review", "merged", "rejected"]
"""``open``: an agent works there; ``needs_review``: committed and checked, waiting for a
decision; ``merged`` / ``rejected``: ended (what ``workspaces gc`` may clean)."""
ENDED: tuple[Status, ...] = ("merged", "rejected")
OUTPUT_KEPT = 20_000
"""Characters of a check's output kept in the state file (the end of it)."""


@dataclass(slots=True)
class CheckRecord:
    name: str
    command: str
    exit_code: int | None
    duration_s: float
    timed_out: bool
    output: str
    round: int


@dataclass(slots=True)
class WorkspaceState:
    task_id: int
    project: str
    branch: str
    worktree: str
    base: str
    start_point: str
    """The branch the worktree started from: the base, or the branch of another task."""
    start_commit: str
    created_at: float
    title: str = ""
    status: Status = "open"
    setup_done: bool = False
    commits: list[str] = field(default_factory=list)
    checks: list[CheckRecord] = field(default_factory=list)
    rounds: int = 0
    merged_commit: str = ""
    rejected_tip: str = ""
    """The branch's last commit when it was rejected (``git branch NAME SHA`` restores it
    while git keeps the objects)."""
    note: str = ""

    @property
    def name(self) -> str:
        """The worktree's folder name, also the state file's stem."""
        return Path(self.worktree).name

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    def last_checks(self) -> list[CheckRecord]:
        """The checks of the latest round."""
        return [c for c in self.checks if c.round == self.rounds]


def state_path(root: Path, name: str) -> Path:
    return root / f"{name}.json"


def save_state(root: Path, state: WorkspaceState) -> None:
    """Write ``state`` to ``root/<name>.json`` atomically, 0600."""
    private_dir(root)
    final = state_path(root, state.name)
    temp = final.with_suffix(".json.tmp")
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(asdict(state), out, indent=1)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, final)


def _load(path: Path) -> WorkspaceState | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        checks = [CheckRecord(**c) for c in data.pop("checks", [])]
        return WorkspaceState(**data, checks=checks)
    except (OSError, ValueError, TypeError):
        return None


def load_states(root: Path) -> tuple[list[WorkspaceState], list[Path]]:
    """Every workspace state under ``root``, by task, and the files that could not be read."""
    if not root.is_dir():
        return [], []
    states: list[WorkspaceState] = []
    bad: list[Path] = []
    for path in sorted(root.glob("*.json")):
        state = _load(path)
        if state is None:
            bad.append(path)
        else:
            states.append(state)
    return sorted(states, key=lambda s: s.task_id), bad
