"""What the diff screen draws, as rich renderables: a file's diff (highlighted), the checks
with their output, the agent's summary, the conflicts an accept met. Plain functions of
:mod:`swarm_tui.domain.review` data, so each can be tested without a screen."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.syntax import Syntax
from rich.text import Text

from swarm_tui.domain.review import Review, ReviewFile

__all__ = [
    "CHECK_OUTPUT_SHOWN",
    "checks_view",
    "conflicts_text",
    "diff_view",
    "file_label",
    "summary_view",
    "title_text",
]

CHECK_OUTPUT_SHOWN = 8000
"""Characters of a check's output shown (the end, where a test runner reports)."""
SYNTAX_THEME = "ansi_dark"
"""The terminal's own colours: readable on every room theme."""


def title_text(review: Review) -> str:
    files = len(review.files)
    return (
        f"Task #{review.task_id}: {review.title} · {review.project}: {review.branch} →"
        f" {review.base} · {review.state} · {files} file(s) +{review.added} -{review.removed}"
        f" · checks {review.checks_verdict}"
    )


def file_label(change: ReviewFile) -> str:
    """``+12 -3  src/app.py`` (counts right-aligned)."""
    return f"{change.counts:>11}  {change.path}"


def diff_view(change: ReviewFile) -> RenderableType:
    """The file's unified diff, highlighted as a diff."""
    if not change.diff.strip():
        return Text(f"{change.path}: {change.counts} (no text diff to show)")
    return Syntax(change.diff.rstrip("\n"), "diff", theme=SYNTAX_THEME, word_wrap=False)


def checks_view(review: Review) -> RenderableType:
    """Each check of the latest round: its verdict, command and the end of its output."""
    if not review.checks:
        said = (
            "The checks have not run yet."
            if review.rounds == 0
            else "No checks are configured for this project ([projects.NAME] checks)."
        )
        return Text(said)
    parts: list[RenderableType] = [Text(f"Round {review.rounds}: {review.checks_verdict}\n")]
    for check in review.checks:
        style = "bold green" if check.passed else "bold red"
        head = Text.assemble(
            (f"{check.name}: {check.verdict}", style),
            f" in {check.duration_s:.1f}s  ({check.command})",
        )
        output = check.output[-CHECK_OUTPUT_SHOWN:]
        cut = len(check.output) - len(output)
        body = Text((f"[first {cut} characters not shown]\n" if cut else "") + output.rstrip())
        parts += [head, body, Text("")]
    return Group(*parts)


def summary_view(review: Review) -> RenderableType:
    """The agent's own account of its work (Markdown), and the workspace's note."""
    parts: list[RenderableType] = []
    if review.note:
        parts.append(Text(f"Note: {review.note}\n", style="italic"))
    summary = review.summary.strip()
    parts.append(Markdown(summary) if summary else Text("The agent left no summary."))
    return Group(*parts)


def conflicts_text(base: str, conflicts: tuple[str, ...]) -> str:
    listed = "\n".join(f"  {path}" for path in conflicts)
    return (
        f"Not merged: {len(conflicts)} file(s) conflict with {base} (it moved since the task"
        f" started):\n{listed}\nb sends the task back with a note to redo it on {base}."
    )
