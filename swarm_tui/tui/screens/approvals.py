"""Tool calls held for a human: what exactly each would run, and why it asks. ``o`` lets the
selected call run once, ``a`` always (for that agent and tool, until its definition changes),
``d`` refuses it. Every answer goes through the orchestrator's approval API."""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from swarm_tui.core.approvals import PendingApproval
from swarm_tui.service.room_api import SwarmAPI, settled

__all__ = ["ApprovalsScreen", "approval_text"]


def approval_text(pending: PendingApproval) -> str:
    """The full request: who, for which task, which tool, why it asks, the exact arguments."""
    try:
        arguments = json.dumps(pending.arguments, indent=2, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        arguments = repr(pending.arguments)
    return "\n".join(
        [
            f"approval #{pending.id}: {pending.agent} wants to run {pending.tool}",
            f"task #{pending.task_id} · attempt {pending.attempt_id}",
            f"why it asks: {pending.reason}",
            "",
            "arguments:",
            arguments,
        ]
    )


class ApprovalsScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    ApprovalsScreen { align: center middle; }
    ApprovalsScreen > Vertical {
        width: 95%; height: 95%; border: thick $primary; background: $surface; padding: 0 1;
    }
    ApprovalsScreen OptionList { height: auto; max-height: 40%; }
    ApprovalsScreen VerticalScroll { height: 1fr; border-top: solid $primary; }
    """
    BINDINGS = [
        Binding("o", "answer('once')", "Approve once", id="approval_once"),
        Binding("a", "answer('always')", "Approve always", id="approval_always"),
        Binding("d", "answer('deny')", "Deny", id="approval_deny"),
        Binding("escape", "dismiss(None)", "Close", id="approvals_close"),
    ]

    def __init__(self, orchestrator: SwarmAPI) -> None:
        super().__init__()
        self.orch = orchestrator
        self.shown: list[int] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Tool calls waiting for approval (o once · a always · d deny · esc)")
            yield OptionList(id="approvals")
            with VerticalScroll():
                yield Static("", markup=False, id="approval")

    def on_mount(self) -> None:
        self.refresh_list()
        self.set_interval(0.5, self._poll, name="approvals")
        self.query_one(OptionList).focus()

    def _poll(self) -> None:
        if [p.id for p in self.orch.pending_approvals()] != self.shown:
            self.refresh_list()

    def refresh_list(self) -> None:
        """Show what is pending now, keeping the selection when it is still there."""
        pending = self.orch.pending_approvals()
        options = self.query_one(OptionList)
        selected = self.selected_id()
        options.clear_options()
        options.add_options(
            [
                Option(f"#{p.id} task #{p.task_id} · {p.agent} · {p.tool}", id=str(p.id))
                for p in pending
            ]
        )
        self.shown = [p.id for p in pending]
        if pending:
            index = self.shown.index(selected) if selected in self.shown else 0
            options.highlighted = index
        self._show_detail()

    def selected_id(self) -> int | None:
        options = self.query_one(OptionList)
        if options.highlighted is None or options.option_count == 0:
            return None
        option_id = options.get_option_at_index(options.highlighted).id
        return int(option_id) if option_id is not None else None

    def _show_detail(self) -> None:
        chosen = self.selected_id()
        pending = {p.id: p for p in self.orch.pending_approvals()}
        detail = self.query_one("#approval", Static)
        if chosen in pending:
            detail.update(approval_text(pending[chosen]))
        else:
            detail.update("Nothing waits for approval." if not pending else "")

    def on_option_list_option_highlighted(self, _event: OptionList.OptionHighlighted) -> None:
        self._show_detail()

    async def action_answer(self, answer: str) -> None:
        chosen = self.selected_id()
        if chosen is None:
            self.notify("no tool call selected", severity="warning", timeout=3)
            return
        if answer == "deny":
            done = await settled(self.orch.deny(chosen))
        else:
            done = await settled(self.orch.approve(chosen, always=answer == "always"))
        if not done:
            self.notify(f"approval #{chosen} is no longer pending", severity="warning", timeout=4)
        self.refresh_list()
