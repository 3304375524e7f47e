"""One line of the hardware pane: a label, a history drawn in block characters on a fixed
scale (0..``top``, so 30% looks like 30% whatever came before), and the current value.

Bars are coloured by level (ok / warning / bad) from the theme's ``$success``, ``$warning``
and ``$error``. A missing reading is drawn as a dim dot.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

__all__ = ["BLOCKS", "Meter", "bar_chars"]

BLOCKS = " ▁▂▃▄▅▆▇█"
VALUE_WIDTH = 24
LABEL_WIDTH = 5


def bar_chars(values: Sequence[float | None], width: int, top: float) -> str:
    """The newest ``width`` values as block characters, right-aligned (oldest left)."""
    shown = list(values)[-width:] if width > 0 else []
    out = []
    for v in shown:
        if v is None:
            out.append("·")
        else:
            level = round(max(0.0, min(1.0, v / top)) * 8) if top > 0 else 0
            out.append(BLOCKS[max(1, level)])
    return " " * (max(0, width) - len(out)) + "".join(out)


class Meter(Widget):
    COMPONENT_CLASSES = {"meter--ok", "meter--warn", "meter--bad", "meter--label"}
    DEFAULT_CSS = """
    Meter { height: 1; }
    Meter > .meter--ok { color: $success; }
    Meter > .meter--warn { color: $warning; }
    Meter > .meter--bad { color: $error; }
    Meter > .meter--label { color: $text-muted; }
    """

    def __init__(
        self,
        label: str,
        *,
        top: float = 100.0,
        warn: float | None = None,
        bad: float | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.label = label
        self.top = top
        self.warn = warn
        self.bad = bad
        self.values: list[float | None] = []
        self.text = "—"

    def set(self, values: Sequence[float | None], text: str) -> None:
        self.values = list(values)
        self.text = text
        self.refresh()

    def _level(self, value: float | None) -> str:
        if value is not None and self.bad is not None and value > self.bad:
            return "meter--bad"
        if value is not None and self.warn is not None and value > self.warn:
            return "meter--warn"
        return "meter--ok"

    def render(self) -> Text:
        width = self.size.width
        value_width = min(VALUE_WIDTH, max(0, width - LABEL_WIDTH))
        bars_width = max(0, width - LABEL_WIDTH - value_width)
        chars = bar_chars(self.values, bars_width, self.top)
        shown = self.values[-bars_width:] if bars_width else []
        pad = len(chars) - len(shown)
        text = Text(
            f"{self.label:<{LABEL_WIDTH}}"[:LABEL_WIDTH],
            self.get_component_rich_style("meter--label"),
        )
        text.append(chars[:pad])
        for ch, value in zip(chars[pad:], shown, strict=True):
            text.append(ch, self.get_component_rich_style(self._level(value)))
        last = self.values[-1] if self.values else None
        value_text = f" {self.text}"[:value_width].ljust(value_width)
        text.append(value_text, self.get_component_rich_style(self._level(last)))
        return text
