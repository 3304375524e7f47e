"""Turn validation failures into one clear message: file, line, key and what was expected."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

__all__ = ["ConfigError", "find_key_line", "format_validation_error"]


class ConfigError(Exception):
    """A configuration, task file or argument that cannot be used; the message says why."""


def _dotted(loc: Sequence[int | str]) -> str:
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        else:
            needs_quotes = not re.fullmatch(r"[A-Za-z0-9_-]+", p)
            parts.append(("." if parts else "") + (f'"{p}"' if needs_quotes else p))
    return "".join(parts)


def _header_names(line: str) -> list[str] | None:
    m = re.match(r"^\s*\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$", line)
    if not m:
        return None
    names: list[str] = []
    for quoted, bare in re.findall(r'"([^"]*)"|([^.\s"]+)', m.group(1)):
        names.append(quoted or bare)
    return names


def find_key_line(text: str, loc: Sequence[int | str]) -> int | None:
    """Best-effort line number (1-based) of the key at ``loc`` in TOML ``text``."""
    keys = [str(p) for p in loc if isinstance(p, str)]
    if not keys:
        return None
    table: list[str] = []
    best: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _header_names(line)
        if header is not None:
            table = header
            if table == keys:
                return number
            if keys[: len(table)] == table and best is None:
                best = number
            continue
        m = re.match(r'^\s*("([^"]*)"|[A-Za-z0-9_.-]+)\s*=', line)
        if not m:
            continue
        raw = m.group(2) if m.group(2) is not None else m.group(1)
        dotted = [raw] if m.group(2) is not None else raw.split(".")
        full = table + dotted
        if full == keys[: len(full)]:
            if full == keys:
                return number
            best = number
    return best


def format_validation_error(path: Path | str, text: str, exc: ValidationError) -> str:
    lines = [f"{path}: invalid configuration"]
    for err in exc.errors():
        loc = [p for p in err["loc"] if p not in ("function-after", "function-before")]
        msg = str(err["msg"]).removeprefix("Value error, ")
        where = _dotted(loc) or "(top level)"
        number = find_key_line(text, loc)
        at = f"line {number}: " if number else ""
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling against config.toml.example)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"  {at}{where}: {msg}")
    return "\n".join(lines)
