"""How wide the task queue's columns are: each as wide as its content, but the long ones cut so
that every column fits the width, the title last (it is what gets cut at 80 columns or beside a
side pane; state, agent, priority, tokens and cost stay whole)."""

from __future__ import annotations

from collections.abc import Mapping

from textual.widgets.data_table import Column, ColumnKey

__all__ = ["CAPPED", "MIN_TITLE", "READABLE_TITLE", "fit_columns"]

CAPPED = {"agent · model": (16, 30)}
"""Columns cut to (compact, wide) cells when their text is longer; the title takes the rest."""

MIN_TITLE = 8
"""The title column never gets narrower than this (the other columns are cut first then)."""

READABLE_TITLE = 24
"""Below this many cells a title is hard to tell apart from its neighbours' (``Summari…``):
the agent · model column then takes its compact width, even in a wide table."""


def fit_columns(
    columns: Mapping[ColumnKey, Column], width: int, *, compact: bool, padding: int
) -> bool:
    """Set each column's width for a table ``width`` cells wide whose cells have ``padding``
    on each side. True when a width changed (the table then re-renders its cells)."""
    if not columns:
        return False
    changed = False
    for name, caps in CAPPED.items():
        changed |= _cap(columns, name, caps[0 if compact else 1])
    title = columns.get(ColumnKey("title"))
    if title is None:
        return changed
    room = _title_room(columns, title, width, padding)
    if room < min(READABLE_TITLE, title.content_width) and not compact:
        for name, caps in CAPPED.items():
            changed |= _cap(columns, name, caps[0])
        room = _title_room(columns, title, width, padding)
    return _cap(columns, "title", max(MIN_TITLE, room)) or changed


def _title_room(
    columns: Mapping[ColumnKey, Column], title: Column, width: int, padding: int
) -> int:
    others = sum(_render_width(c, padding) for c in columns.values() if c is not title)
    return width - others - 2 * padding


def _render_width(column: Column, padding: int) -> int:
    return 2 * padding + (column.content_width if column.auto_width else column.width)


def _cap(columns: Mapping[ColumnKey, Column], name: str, most: int) -> bool:
    """Column ``name`` as wide as its content, but at most ``most`` cells."""
    column = columns.get(ColumnKey(name))
    if column is None:
        return False
    auto = column.content_width <= most
    width = column.width if auto else most
    if (column.auto_width, column.width) == (auto, width):
        return False
    column.auto_width, column.width = auto, width
    return True
