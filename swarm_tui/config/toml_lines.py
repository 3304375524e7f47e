"""The one TOML line locator: where a key, a table or an array of tables sits in a TOML
file, and where a decode error points. Messages about config files, task files and themes
name their line through it (the standard library's parser keeps no positions).

Best effort by design: a key is found by its dotted path (tables, dotted keys, quoted
names), multi-line strings are skipped so a look-alike inside one is never taken.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Sequence

__all__ = ["decode_error_at", "find_key_line", "position", "table_lines"]

_KEY_PART = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*""")


def _parse_key(text: str, pos: int = 0) -> tuple[list[str], int] | None:
    """A dotted TOML key at ``text[pos:]``: its parts and the index after it."""
    names: list[str] = []
    while True:
        m = _KEY_PART.match(text, pos)
        if m is None:
            return None
        names.append(next(g for g in m.groups() if g is not None))
        pos = m.end()
        if pos < len(text) and text[pos] == ".":
            pos += 1
            continue
        return names, pos


def _header(line: str) -> tuple[list[str], bool] | None:
    """Names in a table header ``[a.b."c"]`` or ``[[a.b]]`` (an array of tables: True);
    None if ``line`` is not one."""
    stripped = line.lstrip()
    if not stripped.startswith("["):
        return None
    double = stripped.startswith("[[")
    parsed = _parse_key(stripped, 2 if double else 1)
    if parsed is None:
        return None
    names, end = parsed
    rest = stripped[end:]
    close = "]]" if double else "]"
    if not rest.startswith(close):
        return None
    rest = rest[len(close) :].strip()
    return (names, double) if rest == "" or rest.startswith("#") else None


def _assignment(line: str) -> tuple[list[str], str] | None:
    """Key parts and value text of ``key = value``; None if ``line`` is not one."""
    parsed = _parse_key(line)
    if parsed is None:
        return None
    names, end = parsed
    if end >= len(line) or line[end] != "=":
        return None
    return names, line[end + 1 :]


def _opens_multiline(value: str) -> str | None:
    """The delimiter of a multi-line string left open at the end of ``value``."""
    for delim in ('"""', "'''"):
        start = value.find(delim)
        if start != -1 and value.count(delim, start) % 2 == 1:
            return delim
    return None


def _keys(text: str) -> Iterator[tuple[int, list[str], bool]]:
    """Each table header and key of ``text``: its line (1-based), its full dotted path, and
    whether it is an array-of-tables header ``[[...]]``. Lines inside multi-line strings
    are skipped."""
    table: list[str] = []
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string is not None:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        header = _header(line)
        if header is not None:
            table = header[0]
            yield number, table, header[1]
            continue
        assignment = _assignment(line)
        if assignment is None:
            continue
        in_string = _opens_multiline(assignment[1])
        yield number, table + assignment[0], False


def find_key_line(text: str, loc: Sequence[int | str]) -> int | None:
    """Best-effort line number (1-based) of the key at ``loc`` in TOML ``text``.

    A table defined only through its subtables is found at its first subtable. When the key
    is absent (a missing key) the line of the closest enclosing table or key is returned;
    None when nothing matches.
    """
    keys = [p for p in loc if isinstance(p, str)]
    if not keys:
        return None
    best: int | None = None
    best_len = 0
    inside: int | None = None  # first line of a subtable or key below ``loc``
    for number, full, _array in _keys(text):
        if full == keys:
            return number
        if inside is None and full[: len(keys)] == keys:
            inside = number
        elif len(full) > best_len and full == keys[: len(full)]:
            best, best_len = number, len(full)
    return inside or best


def table_lines(text: str, name: Sequence[str]) -> list[int]:
    """The lines of every ``[[name]]`` header, in order: entry ``i`` of the array of tables
    ``name`` starts at ``table_lines(...)[i]``."""
    wanted = list(name)
    return [number for number, full, array in _keys(text) if array and full == wanted]


_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_AT_END = "(at end of document)"


def decode_error_at(exc: tomllib.TOMLDecodeError, text: str) -> tuple[str, int | None, int | None]:
    """What a decode error says, without its position, and the line and column it points
    at (the last line for an error at the end of the document; None when it names none)."""
    message = str(exc)
    at = _AT.search(message)
    if at is not None:
        return message[: at.start()], int(at.group(1)), int(at.group(2))
    if message.endswith(_AT_END):
        return message.removesuffix(_AT_END).rstrip(), max(1, len(text.splitlines())), None
    return message, None, None


def position(line: int | None, column: int | None) -> str:
    """``"line 3, column 7: "``, ``"line 3: "`` or nothing: the start of a message."""
    if line is None:
        return ""
    return f"line {line}: " if column is None else f"line {line}, column {column}: "
