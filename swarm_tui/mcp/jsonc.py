"""JSON with comments (JSONC), as VS Code, mcporter and Claude Code write their MCP files.

``//`` line comments, ``/* */`` block comments and trailing commas before ``}``/``]`` are
removed outside strings (a URL such as ``"https://x"`` inside a string stays whole); comments
become blanks of the same length and newlines, so a parse error still names the right line
and column. Everything else must be plain JSON.
"""

from __future__ import annotations

import json

__all__ = ["JSONCError", "loads"]


class JSONCError(ValueError):
    """The text is not JSON even after comments and trailing commas are removed."""


def _strip(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    pending_comma: int | None = None  # index in ``out`` of a comma that may be trailing
    last = ""  # the last character of JSON (not a blank or comment) seen
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            pending_comma, last = None, '"'
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise JSONCError(f"line {text.count(chr(10), 0, i) + 1}: unclosed /* comment")
            comment = text[i : j + 2]
            out.append("".join(c if c == "\n" else " " for c in comment))
            i = j + 2
        elif ch == ",":
            # A comma after a value may be trailing; after "{", "[" or "," it is an error.
            pending_comma = len(out) if last not in "{[," else None
            out.append(ch)
            last = ch
            i += 1
        elif ch in "}]":
            if pending_comma is not None:
                out[pending_comma] = " "
            pending_comma, last = None, ch
            out.append(ch)
            i += 1
        else:
            if not ch.isspace():
                pending_comma, last = None, ch
            out.append(ch)
            i += 1
    return "".join(out)


def loads(text: str) -> object:
    """Parse JSONC text. Raises :class:`JSONCError` with line and column for bad input, and
    for nesting too deep to parse (instead of a ``RecursionError``)."""
    try:
        return json.loads(_strip(text))
    except json.JSONDecodeError as exc:
        raise JSONCError(f"line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise JSONCError("nested too deeply to read (objects or lists inside each other)") from None
