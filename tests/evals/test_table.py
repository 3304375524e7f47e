"""The table's formats, two runs side by side, and the plot's data (SVG and terminal)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from swarm_tui.domain.evals import EvalResult
from swarm_tui.evals.plot import plot_points, terminal_plot, write_svg
from swarm_tui.evals.table import compare, render, summarise


def _r(config: str, case: str, passed: bool, cost: float, ms: float) -> EvalResult:
    return EvalResult(
        run_id=1, case_id=case, config=config, rep=0, task_ids=(1,), model=config, role="a",
        answer="", passed=passed, score=None, reason="", escalated=False, cost_usd=cost,
        tokens_in=10, tokens_out=5, latency_ms=ms, created_at=1.0,
    )  # fmt: skip


RESULTS = [
    _r("cheap/m", "c1", True, 0.001, 100), _r("cheap/m", "c2", False, 0.001, 300),
    _r("dear/m", "c1", True, 0.01, 200), _r("dear/m", "c2", True, 0.01, 400),
    _r("bad/m", "c1", False, 0.02, 50), _r("bad/m", "c2", False, 0.02, 60),
]  # fmt: skip


def test_summary_figures_and_formats() -> None:
    summaries = summarise(RESULTS, ["cheap/m", "dear/m", "bad/m"])
    cheap, dear, bad = summaries
    assert (cheap.correct, cheap.judged, cheap.accuracy) == (1, 2, 0.5)
    assert cheap.p50_ms == 100 and cheap.p95_ms == 300
    assert cheap.cost_per_correct == 0.002 and bad.cost_per_correct is None
    assert dear.alone_right == ("c2",) and bad.alone_wrong == ("c1",)
    md = render(summaries, "md", "run1")
    assert "| cheap/m | 50% (1/2; 95% CI 9%-91%, Wilson) | $0.0020 |" in md
    data = json.loads(render(summaries, "json", "run1"))
    assert [c["config"] for c in data["configurations"]] == ["cheap/m", "dear/m", "bad/m"]
    rows = list(csv.DictReader(io.StringIO(render(summaries, "csv", "run1"))))
    assert rows[1]["alone_right"] == "c2" and rows[0]["run"] == "run1"


def test_two_runs_side_by_side() -> None:
    one = summarise(RESULTS[:2], [])
    two = summarise(RESULTS[2:4], [])
    md = compare([("before", one), ("after", two)], "md")
    assert "| before | cheap/m | 50%" in md and "| after | dear/m | 100%" in md
    data = json.loads(compare([("before", one), ("after", two)], "json"))
    assert [r["run"] for r in data["runs"]] == ["before", "after"]


def test_plot_data_pareto_front_in_svg_and_terminal(tmp_path: Path) -> None:
    points = plot_points(summarise(RESULTS, ["cheap/m", "dear/m", "bad/m"]))
    assert [(p.config, p.front) for p in points] == [
        ("cheap/m", True), ("dear/m", True), ("bad/m", False)
    ]  # fmt: skip
    path = tmp_path / "plot.svg"
    write_svg(points, path)
    svg = ET.parse(path).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    circles = {c.get("data-config"): c for c in svg.iter(f"{ns}circle")}
    assert circles["bad/m"].get("data-front") == "false"
    assert float(circles["dear/m"].get("data-quality") or 0) == 1.0
    # Higher quality is drawn higher (smaller y); the front joins the front's points by cost.
    assert float(circles["dear/m"].get("cy") or 0) < float(circles["cheap/m"].get("cy") or 0)
    [front] = [p for p in svg.iter(f"{ns}path") if p.get("class") == "front"]
    xs = [float(seg[1:].split(",")[0]) for seg in (front.get("d") or "").split()]
    assert xs == sorted(xs) and len(xs) == 2
    text = terminal_plot(points)
    assert "1. front cheap/m: quality 50%, $0.0020" in text
    assert "3.       bad/m: quality 0%" in text
