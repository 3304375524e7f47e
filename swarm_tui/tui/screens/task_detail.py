"""A task in full, rendered from Markdown: prompt, every attempt with its routing reason, usage
and output, result."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from swarm_tui.domain.models import Attempt, Task

__all__ = ["TaskDetailScreen", "detail_text"]


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S") if ts else "-"


def detail_text(task: Task, attempts: list[Attempt]) -> str:
    """The task in Markdown: facts as list items, the prompt, each attempt and the result as
    written (agents answer in Markdown)."""
    after = ", ".join(f"#{d}" for d in task.after) or "-"
    lines = [
        f"# Task #{task.id}: {task.title}",
        "",
        f"- state {task.state.value} · role {task.role} · priority {task.priority} · after {after}",
        f"- created {_when(task.created_at)} · started {_when(task.started_at)}"
        f" · finished {_when(task.finished_at)}",
        f"- tokens {task.tokens_in} in / {task.tokens_out} out · cost ${task.cost_usd:.4f}",
    ]
    if task.error:
        lines.append(f"- error: {task.error}")
    lines += ["", "## Prompt", "", task.prompt, ""]
    for a in attempts:
        usage = (
            f"{a.tokens_in} in / {a.tokens_out} out ({a.usage_source.value})"
            if a.tokens_out is not None or a.tokens_in is not None
            else f"usage {a.usage_source.value}"
        )
        ttft = f" · ttft {a.ttft_ms:.0f} ms" if a.ttft_ms is not None else ""
        took = f" · {a.duration_ms / 1000:.1f} s" if a.duration_ms is not None else ""
        lines += [
            f"## Attempt {a.number}: {a.state.value} — {a.agent} on {a.provider}/{a.model}",
            "",
            f"- why: {a.routing_reason}",
            f"- {usage} · ${a.cost_usd:.4f}{ttft}{took}",
        ]
        if a.error:
            lines.append(f"- error: {a.error}")
        lines += ["", a.output or "*(no output)*", ""]
    if task.result is not None:
        lines += ["## Result", "", task.result]
    return "\n".join(lines)


class TaskDetailScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    TaskDetailScreen { align: center middle; }
    TaskDetailScreen > VerticalScroll {
        width: 95%; height: 95%; border: thick $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q,i", "dismiss(None)", "Close", id="detail_close")]

    def __init__(self, task: Task, attempts: list[Attempt]) -> None:
        super().__init__()
        self.task_ = task
        self.attempts = attempts

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(detail_text(self.task_, self.attempts), id="detail")
