"""The bearer token of ``mcp-serve --http``: one per ledger, in a 0600 file beside it.

Generated on first use (``secrets.token_urlsafe``) as ``<ledger>.mcp-token``; a client reads
it from that file (``Authorization: Bearer $(cat FILE)``). ``$SWARM_TUI_MCP_TOKEN``, when
set, is used instead (for clients configured with a token of their own). The token itself is
never printed or logged: only where it is.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from swarm_tui.domain.private_files import FILE_MODE

__all__ = ["TOKEN_ENV", "TokenError", "ensure_token", "token_path"]

TOKEN_ENV = "SWARM_TUI_MCP_TOKEN"


class TokenError(Exception):
    """The token file cannot be made or read, or is open to other users."""


def token_path(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + ".mcp-token")


def _read(path: Path) -> str:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TokenError(f"{path}: not a regular file")
        if info.st_uid != os.getuid():
            raise TokenError(f"{path}: belongs to another user; remove it or use --db elsewhere")
        if info.st_mode & 0o077:
            os.fchmod(fd, FILE_MODE)  # ours, and it must not be readable by others
        text = os.read(fd, 4096).decode("utf-8", "replace").strip()
    finally:
        os.close(fd)
    if len(text) < 16:
        raise TokenError(f"{path}: holds no usable token; delete it to make a new one")
    return text


def ensure_token(path: Path, environ: dict[str, str] | None = None) -> tuple[str, str]:
    """The token and where it comes from (``$SWARM_TUI_MCP_TOKEN`` or the file's path)."""
    env = os.environ if environ is None else environ
    if env.get(TOKEN_ENV):
        if len(env[TOKEN_ENV]) < 16:
            raise TokenError(f"${TOKEN_ENV} is too short to be a token (16 characters at least)")
        return env[TOKEN_ENV], f"${TOKEN_ENV}"
    try:
        try:
            return _read(path), str(path)
        except FileNotFoundError:
            pass
        token = secrets.token_urlsafe(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
        except FileExistsError:  # another mcp-serve made it meanwhile
            return _read(path), str(path)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(token + "\n")
        return token, str(path)
    except OSError as exc:
        raise TokenError(f"{path}: cannot make or read the token: {exc.strerror}") from None
