"""Cost against quality: one point per configuration, the Pareto front joined by a line, as
an SVG file (written with the standard library's XML tools) and as text for the terminal.

Each SVG point carries its figures as data attributes (``data-config``, ``data-cost``,
``data-quality``, ``data-front``), so what the picture shows can be read back and checked.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from swarm_tui.domain.private_files import prepare_private_file
from swarm_tui.evals.stats import pareto_front
from swarm_tui.evals.table import ConfigSummary

__all__ = ["PlotPoint", "plot_points", "terminal_plot", "write_svg"]

W, H, PAD = 640, 420, 60


@dataclass(frozen=True, slots=True)
class PlotPoint:
    config: str
    cost: float
    quality: float
    front: bool


def plot_points(summaries: Sequence[ConfigSummary]) -> list[PlotPoint]:
    points = [(s.config, s.cost_usd, s.quality) for s in summaries]
    front = set(pareto_front(points))
    return [PlotPoint(n, c, q, n in front) for n, c, q in points]


def _scale(points: Sequence[PlotPoint]) -> tuple[float, float]:
    top = max((p.cost for p in points), default=0.0)
    return 0.0, top if top > 0 else 1.0


def _xy(p: PlotPoint, top: float) -> tuple[float, float]:
    x = PAD + (p.cost / top) * (W - 2 * PAD)
    y = H - PAD - p.quality * (H - 2 * PAD)
    return round(x, 1), round(y, 1)


def write_svg(points: Sequence[PlotPoint], path: Path, title: str = "cost against quality") -> None:
    _, top = _scale(points)
    svg = ET.Element(
        "svg",
        {"xmlns": "http://www.w3.org/2000/svg", "width": str(W), "height": str(H),
         "viewBox": f"0 0 {W} {H}"},
    )  # fmt: skip
    ET.SubElement(svg, "title").text = title
    ET.SubElement(svg, "rect", {"x": "0", "y": "0", "width": str(W), "height": str(H),
                                "fill": "white"})  # fmt: skip
    axes = f"M{PAD},{PAD} L{PAD},{H - PAD} L{W - PAD},{H - PAD}"
    ET.SubElement(svg, "path", {"d": axes, "stroke": "black", "fill": "none"})
    label = {"font-family": "sans-serif", "font-size": "12"}
    axis_x = ET.SubElement(svg, "text", {"x": str(W // 2), "y": str(H - 15), **label})
    axis_x.text = f"cost (USD, 0 - {top:.4g})"
    ET.SubElement(svg, "text", {"x": "10", "y": str(PAD - 20), **label}).text = "quality (0 - 1)"
    front = sorted((p for p in points if p.front), key=lambda p: p.cost)
    if len(front) > 1:
        d = " ".join(
            f"{'M' if i == 0 else 'L'}{x},{y}"
            for i, (x, y) in enumerate(_xy(p, top) for p in front)
        )
        ET.SubElement(svg, "path", {"d": d, "stroke": "#c0392b", "fill": "none", "class": "front"})
    for p in points:
        x, y = _xy(p, top)
        ET.SubElement(
            svg, "circle",
            {"cx": str(x), "cy": str(y), "r": "6", "fill": "#c0392b" if p.front else "#7f8c8d",
             "class": "point", "data-config": p.config, "data-cost": repr(p.cost),
             "data-quality": repr(p.quality), "data-front": str(p.front).lower()},
        )  # fmt: skip
        ET.SubElement(svg, "text", {"x": str(x + 9), "y": str(y + 4), **label}).text = p.config
    prepare_private_file(path)
    path.write_text(ET.tostring(svg, encoding="unicode") + "\n", encoding="utf-8")


def terminal_plot(points: Sequence[PlotPoint], width: int = 60, height: int = 16) -> str:
    """A text scatter: quality up, cost right; ``*`` on the Pareto front, ``o`` off it, each
    point numbered in the legend below."""
    _, top = _scale(points)
    grid = [[" "] * width for _ in range(height)]
    for i, p in enumerate(points):
        col = min(width - 1, int(p.cost / top * (width - 1)))
        row = height - 1 - min(height - 1, int(p.quality * (height - 1)))
        grid[row][col] = str(i + 1) if i < 9 else ("*" if p.front else "o")
    lines = ["quality"]
    for r, cells in enumerate(grid):
        tick = f"{1 - r / (height - 1):4.2f}" if r in (0, height // 2, height - 1) else "    "
        lines.append(f"{tick} |{''.join(cells)}")
    lines.append("     +" + "-" * width)
    lines.append(f"      0{' ' * (width - 12)}${top:.4g}  cost")
    for i, p in enumerate(points):
        mark = "front" if p.front else "     "
        lines.append(f"  {i + 1}. {mark} {p.config}: quality {p.quality:.0%}, ${p.cost:.4f}")
    return "\n".join(lines)
