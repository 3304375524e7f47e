"""Word wrapping for streamed text, a chunk at a time.

A stream arrives in pieces that split words anywhere; the line being filled (the *open* line,
already on show) goes in with each chunk, so a word that does not fit moves whole to the next
line even when its first letters came in an earlier chunk. Only a word longer than the width
is broken inside. A space that falls on a break is dropped (the break stands for it); a tab
becomes spaces to the next tab stop; a wide character counts two cells.
"""

from __future__ import annotations

from rich.cells import get_character_cell_size

__all__ = ["TAB", "wrap"]

TAB = 8


def wrap(text: str, line: str, width: int) -> tuple[list[str], str]:
    """``line`` (the open line, at most ``width`` cells) continued by ``text``: the lines it
    completes and the new open line. The first completed line is ``line`` itself, longer, or
    shorter when its last word moved on."""
    width = max(1, width)
    done: list[str] = []
    for i, part in enumerate(text.split("\n")):
        if i:
            done.append(line)
            line = ""
        if part.isascii() and line.isascii() and "\t" not in part:
            line = _fill_ascii(line + part, width, done)
        else:
            line = _fill_cells(line, part, width, done)
    return done, line


def _fill_ascii(line: str, width: int, done: list[str]) -> str:
    """The common case: one cell a character, so slices and ``rfind`` do it."""
    while len(line) > width:
        if line[width] == " ":
            done.append(line[:width])
            line = line[width + 1 :]
            continue
        space = line.rfind(" ", 0, width)
        cut = space if space > 0 else width
        done.append(line[:cut])
        line = line[cut + 1 :] if space > 0 else line[cut:]
    return line


def _fill_cells(line: str, part: str, width: int, done: list[str]) -> str:
    chars = list(line)
    cells = sum(get_character_cell_size(c) for c in chars)
    for char in part:
        if char == "\t":  # spaces to the next tab stop (dropped on a break, as a space)
            if cells >= width:
                done.append("".join(chars))
                chars, cells = [], 0
                continue
            size = min(TAB - cells % TAB, width - cells)
            chars.extend(" " * size)
            cells += size
            continue
        size = get_character_cell_size(char)
        if cells + size > width and chars:
            if char == " ":
                done.append("".join(chars))
                chars, cells = [], 0
                continue
            space = _last_space(chars)
            if space > 0:  # the word moves on whole
                done.append("".join(chars[:space]))
                chars = chars[space + 1 :]
                cells = sum(get_character_cell_size(c) for c in chars)
            else:  # a word longer than the line: broken where it reaches the edge
                done.append("".join(chars))
                chars, cells = [], 0
        chars.append(char)
        cells += size
    return "".join(chars)


def _last_space(chars: list[str]) -> int:
    for index in range(len(chars) - 1, -1, -1):
        if chars[index] == " ":
            return index
    return -1
