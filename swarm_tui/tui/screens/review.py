"""The diff screen: a coding task's changes, checks and summary, and the decision on them.

The list on the left: the agent's summary, the checks, then every file changed with its
+/- counts; the pane on the right shows the chosen one (a file's unified diff
highlighted). ``a`` accepts (merges into the base; a conflict lists its files), ``x``
rejects after asking (branch and worktree removed), ``b`` sends the task back with a note.
Everything goes through a :class:`~swarm_tui.domain.review.ReviewSource`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from swarm_tui.domain.review import Review, ReviewOutcome, ReviewSource
from swarm_tui.tui.screens.choose import ConfirmScreen
from swarm_tui.tui.screens.review_view import (
    checks_view,
    conflicts_text,
    diff_view,
    file_label,
    summary_view,
    title_text,
)

__all__ = ["ReviewScreen", "SendBackScreen"]

SUMMARY, CHECKS = "summary", "checks"
"""Ids of the list's first two entries (files use ``file:PATH``)."""


class SendBackScreen(ModalScreen[str | None]):
    """The note a sent-back task's next attempt reads: enter sends, escape cancels."""

    DEFAULT_CSS = """
    SendBackScreen { align: center middle; }
    SendBackScreen > Vertical {
        width: 80%; height: auto; border: thick $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="send_back_cancel")]

    def __init__(self, task_id: int, note: str = "") -> None:
        super().__init__()
        self.task_id = task_id
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Send task #{self.task_id} back: a note for its next attempt")
            yield Label("(enter sends · esc cancels)")
            yield Input(self.note, placeholder="what to change, e.g. keep the old API", id="note")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)


class ReviewScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    ReviewScreen { align: center middle; }
    ReviewScreen > Vertical {
        width: 98%; height: 96%; border: thick $primary; background: $surface; padding: 0 1;
    }
    ReviewScreen #review_title { width: 1fr; text-style: bold; }
    ReviewScreen Horizontal { height: 1fr; }
    ReviewScreen #review_items { width: 42; height: 1fr; }
    ReviewScreen VerticalScroll { width: 1fr; height: 1fr; border-left: solid $primary; }
    ReviewScreen #review_conflicts {
        height: auto; max-height: 12; border: solid $error; display: none;
    }
    ReviewScreen #review_conflicts.-shown { display: block; }
    """
    BINDINGS = [
        Binding("a", "accept", "Accept (merge)", id="review_accept"),
        Binding("x", "reject", "Reject", id="review_reject"),
        Binding("b", "send_back", "Send back", id="review_send_back"),
        Binding("escape,q", "dismiss(None)", "Close", id="review_close"),
    ]

    def __init__(self, source: ReviewSource, review: Review) -> None:
        super().__init__()
        self.source = source
        self.review = review
        self.conflicts: tuple[str, ...] = ()
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(title_text(self.review), id="review_title")
            yield Label(
                "a accept (merge) · x reject · b send back with a note · esc close",
                id="review_keys",
            )
            yield Static("", markup=False, id="review_conflicts")
            with Horizontal():
                yield OptionList(id="review_items")
                with VerticalScroll(id="review_pane"):
                    yield Static("", id="review_body")

    def on_mount(self) -> None:
        self._fill()
        self.query_one(OptionList).focus()

    # ------------------------------------------------------------------ drawing
    def _fill(self) -> None:
        review = self.review
        self.query_one("#review_title", Label).update(title_text(review))
        items = self.query_one(OptionList)
        keep = self._chosen()
        items.clear_options()
        items.add_options(
            [
                Option("summary", id=SUMMARY),
                Option(f"checks: {review.checks_verdict}", id=CHECKS),
                *[Option(file_label(f), id=f"file:{f.path}") for f in review.files],
            ]
        )
        ids = [SUMMARY, CHECKS, *[f"file:{f.path}" for f in review.files]]
        first = 2 if review.files else 0  # the first file's diff, when there is one
        items.highlighted = ids.index(keep) if keep in ids else first
        self._show()

    def _chosen(self) -> str | None:
        items = self.query_one(OptionList)
        if items.highlighted is None or items.option_count == 0:
            return None
        return items.get_option_at_index(items.highlighted).id

    def _show(self) -> None:
        chosen = self._chosen()
        body = self.query_one("#review_body", Static)
        if chosen == CHECKS:
            body.update(checks_view(self.review))
        elif chosen is not None and chosen.startswith("file:"):
            path = chosen.removeprefix("file:")
            change = next((f for f in self.review.files if f.path == path), None)
            body.update(diff_view(change) if change is not None else "")
        else:
            body.update(summary_view(self.review))
        self.query_one(VerticalScroll).scroll_home(animate=False)

    def _show_conflicts(self, conflicts: tuple[str, ...]) -> None:
        self.conflicts = conflicts
        box = self.query_one("#review_conflicts", Static)
        box.update(conflicts_text(self.review.base, conflicts) if conflicts else "")
        box.set_class(bool(conflicts), "-shown")

    def on_option_list_option_highlighted(self, _event: OptionList.OptionHighlighted) -> None:
        self._show()

    # ------------------------------------------------------------------ decisions
    async def _reload(self) -> None:
        fresh = await self.source.review_of(self.review.task_id)
        if fresh is not None:
            self.review = fresh
            self._fill()

    async def _decided(self, what: str, outcome: ReviewOutcome) -> None:
        self._show_conflicts(outcome.conflicts)
        severity: SeverityLevel = "information" if outcome.done else "error"
        if outcome.conflicts:
            severity = "warning"
        self.notify(outcome.message, title=f"task #{self.review.task_id}: {what}",
                    severity=severity, timeout=8)  # fmt: skip
        await self._reload()

    def _refuse_when_decided(self) -> bool:
        if self.review.decided:
            self.notify(f"task #{self.review.task_id} is {self.review.state} already",
                        severity="warning", timeout=4)  # fmt: skip
            return True
        return False

    async def action_accept(self) -> None:
        if self.busy or self._refuse_when_decided():
            return
        self.busy = True
        try:
            outcome = await self.source.review_accept(self.review.task_id)
            await self._decided("accept", outcome)
        finally:
            self.busy = False

    def action_reject(self) -> None:
        if self.busy or self._refuse_when_decided():
            return

        async def answered(yes: bool | None) -> None:
            if yes:
                outcome = await self.source.review_reject(self.review.task_id)
                await self._decided("reject", outcome)

        question = (
            f"Reject task #{self.review.task_id}? Its worktree and branch {self.review.branch}"
            " are removed (the branch's last commit is named, to restore it)."
        )
        self.app.push_screen(ConfirmScreen(question), answered)

    def action_send_back(self) -> None:
        if self.busy or self._refuse_when_decided():
            return
        note = ""
        if self.conflicts:
            note = (
                f"{self.review.base} moved and conflicts with your branch in"
                f" {', '.join(self.conflicts)}; redo the change on the current {self.review.base}"
            )

        async def written(text: str | None) -> None:
            if text is None:
                return
            outcome = await self.source.review_send_back(self.review.task_id, text)
            await self._decided("send back", outcome)

        self.app.push_screen(SendBackScreen(self.review.task_id, note), written)
