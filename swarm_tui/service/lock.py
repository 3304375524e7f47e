"""One service per ledger: an exclusive ``flock`` on a 0600 file beside it, naming its holder.

The kernel lets go of the lock when the holding process ends, however it ends, so a stale file
never blocks a new service: only a live holder does. What the file says (pid, host, start
time, socket) is for the message a second ``up`` prints and for ``down``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from swarm_tui.domain.private_files import FILE_MODE, private_dir

__all__ = ["Holder", "ServiceBusy", "ServiceLock", "holder_of"]

PROBE_TRIES = 40
"""A probe (``holder_of``) holds a shared lock for microseconds: an exclusive try that meets
one tries again, up to this many times, 25 ms apart."""


@dataclass(frozen=True, slots=True)
class Holder:
    pid: int
    host: str
    started_at: float
    socket: str
    version: str

    def describe(self) -> str:
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started_at))
        return f"pid {self.pid} on {self.host} since {since} (socket {self.socket})"


class ServiceBusy(RuntimeError):
    """Another live process serves the ledger; ``holder`` says who (None: still starting)."""

    def __init__(self, lock: Path, holder: Holder | None) -> None:
        who = holder.describe() if holder else "a service that is starting"
        super().__init__(f"{lock} is held by {who}")
        self.holder = holder


def _open(path: Path) -> int:
    private_dir(path.parent)
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)


def _read(fd: int) -> Holder | None:
    raw = os.pread(fd, 4096, 0)
    try:
        return Holder(**json.loads(raw))
    except (ValueError, TypeError):
        return None  # empty (the holder has not written yet) or not ours


def holder_of(path: Path) -> Holder | None:
    """Who holds the lock now; None when nobody does (the file may be stale or missing). A
    holder that has not written its name yet (it is starting) comes back with pid 0."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read(fd) or Holder(0, "", 0.0, "", "")
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class ServiceLock:
    """Held from :meth:`acquire` until :meth:`release` or the end of the process."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, path: Path) -> ServiceLock:
        fd = _open(path)
        holder: Holder | None = None
        for _ in range(PROBE_TRIES):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return cls(path, fd)
            except BlockingIOError:
                holder = _read(fd)
                if holder is not None:
                    break  # a service, not a probe
                time.sleep(0.025)
        os.close(fd)
        raise ServiceBusy(path, holder)

    def record(self, holder: Holder) -> None:
        """Say who holds the lock (read by a second ``up`` and by ``down``)."""
        assert self._fd is not None
        data = json.dumps(asdict(holder)).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)
        os.fsync(self._fd)

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the only descriptor lets go of the flock
        self._fd = None
