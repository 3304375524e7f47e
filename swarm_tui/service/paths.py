"""Where a ledger's service keeps its files: all beside the ledger, all private (0600).

``ledger.db.service.lock``: who serves the ledger (held with ``flock`` while it runs);
``ledger.db.sock``: the Unix socket clients attach through; ``swarm-tui.log``: the log, the
same file a headless run on that folder writes.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["MAX_SOCKET_PATH", "ServicePaths", "SocketPathError"]

MAX_SOCKET_PATH = 107
"""Bytes a Unix socket's path may take (``sun_path`` is 108 on Linux, with its NUL)."""


class SocketPathError(ValueError):
    """The socket cannot be made there (its path too long, its folder not writable...)."""


class ServicePaths:
    def __init__(self, ledger: Path) -> None:
        self.ledger = ledger.expanduser().absolute()
        folder, name = self.ledger.parent, self.ledger.name
        self.lock = folder / f"{name}.service.lock"
        self.socket = folder / f"{name}.sock"
        self.log = folder / "swarm-tui.log"

    def socket_address(self) -> str:
        """The socket path as the system takes it, or a clear error when it is too long."""
        size = len(os.fsencode(self.socket))
        if size > MAX_SOCKET_PATH:
            raise SocketPathError(
                f"{self.socket}: a Unix socket path takes at most {MAX_SOCKET_PATH} bytes, this"
                f" one has {size}; keep the ledger in a shorter folder (--db PATH)"
            )
        return str(self.socket)
