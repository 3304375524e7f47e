"""Files and folders the swarm creates are private to the user: files 0600, folders 0700.

Prompts, answers, memory, logs and tokens must not be readable by other local users, whatever
the umask. Each helper creates with the private mode from the start (no window where the file
is open to others) and never changes the mode of a file or folder that already existed: that
one is the user's (or another program's) to keep as it is. A ledger or log of ours that
other users can read (made by an older version, or loosened by hand) is named in a warning
with the command that makes it private.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path
from typing import BinaryIO, Literal, TextIO, overload

__all__ = [
    "DIR_MODE",
    "FILE_MODE",
    "create_private",
    "open_append",
    "prepare_private_file",
    "private_dir",
    "warn_if_readable",
]

FILE_MODE = 0o600
DIR_MODE = 0o700

log = logging.getLogger("swarm_tui.files")
_warned: set[Path] = set()


def warn_if_readable(path: Path) -> bool:
    """Warn (once per file) when a file we own can be read by other users; True if so."""
    try:
        info = path.stat()
    except OSError:
        return False
    loose = stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid() and info.st_mode & 0o077
    if loose and path not in _warned:
        _warned.add(path)
        log.warning(
            "%s can be read by other users (mode %03o): run chmod 600 %s",
            path,
            stat.S_IMODE(info.st_mode),
            path,
        )
    return bool(loose)


def private_dir(path: Path) -> Path:
    """``path`` as a folder: created 0700 when missing (parents as the umask says)."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # made meanwhile by someone else: theirs
            path.mkdir(mode=DIR_MODE)
    return path


def create_private(path: Path) -> bool:
    """Create ``path`` empty and 0600 if it does not exist; True when this call created it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def prepare_private_file(path: Path) -> None:
    """Before a library (SQLite, logging) creates ``path``: its folder 0700 when missing
    (OSError when it cannot be made), the file itself empty and 0600 when missing. When the
    file cannot be created here, the library's own open reports why. SQLite gives its -wal
    and -shm files the mode of the database file, so they are 0600 too."""
    private_dir(path.parent)
    with contextlib.suppress(OSError):
        if not create_private(path):
            warn_if_readable(path)


@overload
def open_append(path: Path, binary: Literal[True]) -> BinaryIO: ...
@overload
def open_append(path: Path, binary: Literal[False] = ...) -> TextIO: ...
def open_append(path: Path, binary: bool = False) -> BinaryIO | TextIO:
    """Open a log file for appending, created 0600 (and its folder 0700) when missing."""
    private_dir(path.parent)
    warn_if_readable(path)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    if binary:
        return os.fdopen(fd, "ab")
    return os.fdopen(fd, "a", encoding="utf-8")
