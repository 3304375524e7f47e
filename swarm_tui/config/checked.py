"""Configs known to be valid: validating a config builds every model of the package (~0.1 s
of CPU, several times that on a loaded machine), too slow for a one-line command run over
SSH at each keystroke of a shell. A config that validated once is remembered by a digest of
its text and of the code that validated it (this package's sources and pydantic's version);
a one-line command that finds the digest skips the models. Anything else (a new or edited
file, a new swarm-tui or pydantic) is validated in full, with the same messages.

Only valid configs are remembered, so an error is always reported as the models report it.
The marks are empty files in ``$XDG_CACHE_HOME/swarm-tui/valid-configs/`` (``~/.cache``
when unset; folder 0700, files 0600); a cache that cannot be read or written only makes the
command validate in full.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
from pathlib import Path

__all__ = ["KEEP", "cache_dir", "digest", "is_known_valid", "remember_valid"]

KEEP = 64
"""Marks kept; the oldest go when there are more (each edit of a config adds one)."""


def cache_dir() -> Path | None:
    """Where the marks live; None when there is no home to put them in."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no HOME and no passwd entry
            return None
    return Path(base) / "swarm-tui" / "valid-configs"


@functools.cache
def _code() -> bytes:
    """What validation depends on besides the text: this package's sources, pydantic's
    version (pydantic pins pydantic-core)."""
    h = hashlib.sha256()
    here = os.path.dirname(__file__)
    for name in sorted(os.listdir(here)):
        if name.endswith(".py"):
            with open(os.path.join(here, name), "rb") as source:
                h.update(name.encode() + b"\0" + source.read() + b"\0")
    spec = importlib.util.find_spec("pydantic")
    if spec is not None and spec.origin:
        with contextlib.suppress(OSError):
            h.update(Path(spec.origin).with_name("version.py").read_bytes())
    return h.digest()


def digest(text: str) -> str:
    """The mark of a config's text under this code."""
    return hashlib.sha256(_code() + text.encode("utf-8", "surrogatepass")).hexdigest()


def is_known_valid(mark: str) -> bool:
    where = cache_dir()
    return where is not None and (where / mark).is_file()


def remember_valid(mark: str) -> None:
    """Remember a config that validated; never fails (a command must not, for a cache)."""
    where = cache_dir()
    if where is None:
        return
    with contextlib.suppress(OSError):
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(where / mark, os.O_WRONLY | os.O_CREAT, 0o600))
        _prune(where)


def _prune(where: Path) -> None:
    marks = [p for p in where.iterdir() if len(p.name) == 64]
    if len(marks) <= KEEP:
        return
    marks.sort(key=lambda p: p.stat().st_mtime_ns)
    for old in marks[:-KEEP]:
        with contextlib.suppress(OSError):
            old.unlink()
