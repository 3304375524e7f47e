"""Serena's memory folder as files: ``<repo>/.serena/memories/<topic>/<name>.md``.

Serena (``serena-agent``) keeps a project's memories there, one UTF-8 Markdown file per
memory, the name's ``/`` topics as folders. A project of ours whose repository has that
folder keeps its shared memory there too, so agents using Serena directly and the swarm's
agents read and write the same files. Names that Serena maps elsewhere (``global/...``, its
memories shared across projects under ``~/.serena``) or that could leave the folder (``..``,
``.``, a backslash) are refused. A write is atomic (written beside, then renamed); a new
file is 0600, a replaced one keeps its mode.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from swarm_tui.config import Settings
from swarm_tui.domain.private_files import FILE_MODE

__all__ = [
    "SERENA_MEMORIES",
    "FileSig",
    "file_name_problem",
    "memory_path",
    "read_memory_file",
    "scan_memories",
    "serena_folder",
    "write_memory_file",
]

SERENA_MEMORIES = Path(".serena") / "memories"
"""Where Serena keeps a project's memories, relative to the project's folder."""


@dataclass(frozen=True, slots=True)
class FileSig:
    """What a scan compares to see whether a file changed without reading it."""

    mtime_ns: int
    size: int


def serena_folder(settings: Settings, project: str) -> Path | None:
    """Project ``project``'s Serena memory folder, when it is configured and has one."""
    config = settings.projects.get(project)
    if config is None:
        return None
    folder = config.repo_path() / SERENA_MEMORIES
    return folder if folder.is_dir() else None


def file_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a memory file (None when it can)."""
    parts = name.split("/")
    if parts[0] == "global":
        return (
            f"memory name {name!r}: 'global/' names Serena's memories shared across projects"
            " (under ~/.serena), not this project's; choose another topic"
        )
    if any(p in (".", "..") for p in parts) or "\\" in name:
        return f"memory name {name!r}: '.', '..' and '\\' are not allowed in a memory name"
    return None


def memory_path(folder: Path, name: str) -> Path:
    """``design/api`` -> ``folder/design/api.md`` (``name`` checked by the caller)."""
    *topics, last = name.split("/")
    return folder.joinpath(*topics, f"{last}.md")


def scan_memories(folder: Path) -> dict[str, tuple[Path, FileSig]]:
    """Every memory file under ``folder`` by name, with what its stat says now."""
    found: dict[str, tuple[Path, FileSig]] = {}
    if not folder.is_dir():
        return found
    for path in folder.rglob("*.md"):
        try:
            info = path.stat()
        except OSError:  # gone between the listing and the stat
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        name = path.relative_to(folder).with_suffix("").as_posix()
        found[name] = (path, FileSig(info.st_mtime_ns, info.st_size))
    return found


def read_memory_file(path: Path) -> str | None:
    """The file's text (None when it is gone)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, IsADirectoryError):
        return None


def write_memory_file(path: Path, content: str) -> FileSig:
    """Write ``content`` to ``path`` atomically (folders made as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = FILE_MODE
    with contextlib.suppress(FileNotFoundError):
        mode = stat.S_IMODE(path.stat().st_mode)
    temp = path.with_name(f".{path.name}.swarm-tmp")
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)
    info = path.stat()
    return FileSig(info.st_mtime_ns, info.st_size)
