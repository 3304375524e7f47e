"""The eval view (``e``, or from the cost pane's hint): the latest eval run's table, its
cost-vs-quality plot with the Pareto front, and the live shadow samples' figure. Read from
the ledger (the room's own, or the service's through its socket) when it opens, on ``r``, and
again when the change feed says an eval record changed (``RecordChanged("eval")``: the app
calls :meth:`EvalsScreen.reload`), so an eval another process runs fills in as it goes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from swarm_tui.evals.room_view import (
    EvalReads,
    EvalView,
    plot_text,
    read_eval_view,
    shadow_text,
    table_text,
)

__all__ = ["EvalsScreen"]


class EvalsScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    EvalsScreen { align: center middle; }
    EvalsScreen > Vertical {
        width: 95%; height: 95%; border: thick $primary; background: $surface; padding: 0 1;
    }
    EvalsScreen VerticalScroll { height: 1fr; }
    EvalsScreen #evals_plot { margin-top: 1; }
    EvalsScreen #evals_shadow { margin-top: 1; }
    """
    BINDINGS = [
        Binding("r", "reload", "Read again", id="evals_reload"),
        Binding("escape", "dismiss(None)", "Close", id="evals_close"),
    ]

    def __init__(self, reads: EvalReads) -> None:
        super().__init__()
        self.reads = reads
        self.view: EvalView | None = None
        """What is drawn (None until the first read)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Evals: quality against cost (r reads again · esc closes)")
            with VerticalScroll():
                yield Static("reading the ledger…", id="evals_table", markup=False)
                yield Static("", id="evals_plot", markup=False)
                yield Static("", id="evals_shadow", markup=False)

    async def on_mount(self) -> None:
        await self.reload()

    async def action_reload(self) -> None:
        await self.reload()

    async def reload(self) -> None:
        view = await read_eval_view(self.reads)
        try:
            self.query_one("#evals_table", Static).update(table_text(view))
            self.query_one("#evals_plot", Static).update(plot_text(view))
            self.query_one("#evals_shadow", Static).update(shadow_text(view.shadow))
        except NoMatches:  # closed while it read
            return
        self.view = view
