"""The control room. This module only wires: panes, bindings, themes, the bridge and the
swarm it shows: the orchestrator running in-process, or a service it is attached to (a
:class:`~swarm_tui.service.client.ServiceClient`; see :mod:`swarm_tui.tui.attach`). Both fit
:class:`~swarm_tui.service.room_api.SwarmAPI`. Behaviour lives in the panes, screens and
actions."""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable, Iterable

from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import WorkerFailed

from swarm_tui.config import Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskState
from swarm_tui.domain.reads import Totals
from swarm_tui.hw.ollama_ps import OllamaPs
from swarm_tui.service.client import ServiceError
from swarm_tui.service.room_api import SwarmAPI
from swarm_tui.tui.actions import Actions
from swarm_tui.tui.attach import LOST_TEXT, Attachment
from swarm_tui.tui.attention import RoomAttention
from swarm_tui.tui.bindings import APP_BINDINGS, VOTE_BINDINGS, check_keymap
from swarm_tui.tui.bridge import Bridge
from swarm_tui.tui.messages import SwarmUpdate
from swarm_tui.tui.screens.evals import EvalsScreen
from swarm_tui.tui.screens.memory import MemoryScreen
from swarm_tui.tui.screens.stream_focus import StreamFocusScreen
from swarm_tui.tui.theming import APP_VARIABLES, register_themes
from swarm_tui.tui.widgets.agent_streams import AgentStreams
from swarm_tui.tui.widgets.cost_pane import CostPane
from swarm_tui.tui.widgets.hardware_pane import HardwarePane
from swarm_tui.tui.widgets.key_footer import KeyFooter
from swarm_tui.tui.widgets.status_bar import StatusBar, status_text
from swarm_tui.tui.widgets.stream_panel import StreamPanel
from swarm_tui.tui.widgets.task_table import TaskTable
from swarm_tui.tui.widgets.voting_pane import Conflict, VotingPane

__all__ = ["SwarmApp", "make_app"]

COMPACT_WIDTH, COMPACT_HEIGHT = 100, 30
HARDWARE_WIDTH = 140
HARDWARE_PANE_WIDTH = 44
"""The hardware pane's width beside the queue (``#hardware`` in app.tcss)."""
FULL_QUEUE_WIDTH = 110
"""A queue narrower than this (beside the hardware pane at 140 columns) shows the compact
columns, as at 80: with role and elapsed too, its titles were cut to ``Summari…``."""
"""Narrower than this, the hardware pane hides until ``h`` shows it."""
GC_SECONDS = 30.0
"""Between full garbage collections (each a few ms to tens of ms on a busy room)."""


class SwarmApp(Actions):
    TITLE = "swarm-tui"
    CSS_PATH = "app.tcss"
    BINDINGS = APP_BINDINGS + VOTE_BINDINGS  # type: ignore[assignment]

    def __init__(self, settings: Settings, orchestrator: SwarmAPI, *, run_core: bool = True):
        super().__init__()
        self.settings = settings
        self.orch = orchestrator
        self.core = orchestrator if isinstance(orchestrator, Orchestrator) else None
        """The orchestrator when it runs in this process (None: attached to a service)."""
        self.run_core = run_core and self.core is not None
        self.attachment = None if self.core is not None else _attachment(self, orchestrator)
        ui = settings.ui
        flush_ms = max(ui.stream_flush_ms, 500) if ui.low_bandwidth else ui.stream_flush_ms
        self.bridge = Bridge(
            orchestrator, self, flush_ms=flush_ms, totals_every=5.0 if ui.low_bandwidth else 1.0
        )
        if ui.low_bandwidth:
            self.animation_level = "none"
        self.last_update: SwarmUpdate | None = None
        self.last_totals: Totals | None = None
        self.compact = False
        self.show_hardware = True
        self.hardware_toggled = False
        self.approvals_seen = 0
        """Tool calls waiting for approval at the last update (a growth is announced)."""
        self.calls = RoomAttention(self, orchestrator, settings)
        """The bell and the terminal title when something needs a person."""

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **APP_VARIABLES}

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        hardware = self.settings.hardware
        with Horizontal(id="top"):
            yield TaskTable(clock=self.orch.clock, id="tasks")
            yield HardwarePane(
                actions=OllamaPs(hardware.ollama_base_url) if hardware.ollama_base_url else None,
                thresholds=hardware.thresholds, history=hardware.history, id="hardware",
            )  # fmt: skip
            yield CostPane(self.orch, self.settings, id="cost")
        yield Input(
            placeholder="filter: words in title, role, state, agent or model; a number is an id"
            " (esc clears)",
            id="filter",
        )
        yield VotingPane(id="voting")
        yield AgentStreams(max_lines=self.settings.ui.stream_max_lines, id="streams")
        yield KeyFooter(compact=True)

    async def on_mount(self) -> None:
        self.orch.set_interactive(True)  # MCP "ask" waits for a human here, not headless_ask
        # Fewer, cheaper collections: with thousands of short-lived strips per second the
        # default thresholds made gen-2 sweeps stall the event loop (bench/ui_load.py).
        gc.freeze()
        gc.set_threshold(50_000, 50, 100)
        # With gen-2 that rare, removed panes and rows (cycles) piled up over a night; one full
        # sweep of what was made since start-up, on a clock, frees them (bench/night.py).
        self.set_interval(GC_SECONDS, self.collect_garbage, name="gc")
        for notice in register_themes(self, self.settings.ui.theme):
            self.notify(notice, severity="warning", timeout=10)
        keymap, notices = check_keymap(self.settings.ui.keymap)
        self.set_keymap(keymap)
        for notice in notices:
            self.notify(notice, severity="warning", timeout=10)
        await self.load_queue()  # unfinished tasks and the newest finished: the queue first
        self.query_one(TaskTable).focus()
        waiting = [Conflict(t.id, t.title, r) for t, r in await self.orch.conflicts()]
        self.query_one(VotingPane).set_conflicts(waiting)
        self.query_one(VotingPane).set_class(bool(waiting), "-shown")
        self._apply_size(self.size.width, self.size.height)
        self.screen_change_signal.subscribe(self, self._screen_changed)
        self.bridge.start()
        self.calls.start()
        if self.run_core and self.core is not None:
            self.run_worker(self.core.run(), name="orchestrator", group="core", exit_on_error=True)
            goals = self.goal_engine.drive_active()  # goals move on as their tasks end
            self.run_worker(goals, name="goals", group="core", exit_on_error=False)
        if self.attachment is not None:
            self.attachment.start()
        tick = 5.0 if self.settings.ui.low_bandwidth else 1.0
        self.set_interval(tick, self.query_one(TaskTable).tick, name="elapsed")

    # ------------------------------------------------------------------ attached to a service
    def lost_service(self, reason: str) -> None:
        """The service went away: say so (it stays said until it is back)."""
        self.notify(f"{reason}", title=LOST_TEXT, severity="error", timeout=10)
        if self.last_update is not None:
            self._update_status(self.last_update)

    def found_service(self) -> None:
        pid = self.attachment.client.hello.get("pid") if self.attachment else "?"
        self.notify(f"re-attached to the service (pid {pid})", timeout=6)

    def reset_streams(self) -> None:
        """Drop every stream shown: the service's live streams are drawn again from it."""
        self.bridge.reset_streams()
        self.query_one(AgentStreams).clear()

    def detaching(self) -> bool:
        return self.attachment is not None

    def _handle_exception(self, error: Exception) -> None:
        # Attached, a command or read while the service is away fails with ServiceError:
        # the room says so and stays open (it attaches again when the service returns).
        cause = error.error if isinstance(error, WorkerFailed) else error
        if self.attachment is not None and isinstance(cause, ServiceError):
            self.notify(str(cause), title=LOST_TEXT, severity="error", timeout=6)
            return
        super()._handle_exception(error)

    def collect_garbage(self) -> None:
        gc.collect()

    async def on_unmount(self) -> None:
        self.calls.stop()
        await self.bridge.stop()

    def watch_theme(self, _theme: str) -> None:
        if self.is_running:
            for table in self.query(TaskTable):
                table.restyle()

    # ------------------------------------------------------------------ updates
    def on_swarm_update(self, update: SwarmUpdate) -> None:
        update.taken = True  # the bridge posts the next one now (merged into this until then)
        if not self.is_running:  # shutting down: the panes may already be gone
            return
        self.last_update = update
        if update.reload:  # changes of other processes were missed: read the queue again
            self.run_worker(self.load_queue(), group="reload", exclusive=True)
        if "memory" in update.records:
            for screen in self.screen_stack:
                if isinstance(screen, MemoryScreen):
                    self.run_worker(screen.reload())
        if "eval" in update.records:  # an eval run measured, a shadow sample taken or decided
            for screen in self.screen_stack:
                if isinstance(screen, EvalsScreen):
                    self.run_worker(screen.reload(), group="evals", exclusive=True)
        table = self.query_one(TaskTable)
        if update.streams:
            table.note_streams(update.streams.values())
        if update.tasks:
            table.upsert(update.tasks)
        if update.totals is not None:
            table.set_counts(update.totals.by_state)
        streams = self.query_one(AgentStreams)
        if update.streams or update.text:
            streams.update_streams(update.streams, update.text)
        if update.tasks:
            streams.follow_tasks(update.tasks)
        focus = self.screen if isinstance(self.screen, StreamFocusScreen) else None
        if focus is not None and focus.attempt_id in update.text:
            focus.append(update.text[focus.attempt_id])
        if update.hardware:
            pane = self.query_one(HardwarePane)
            for sampled in update.hardware:
                pane.show(sampled)
        gone = {t.id: None for t in update.tasks if t.state != TaskState.NEEDS_VOTE}
        conflicts = {**gone, **update.conflicts}  # e.g. a waiting task was cancelled
        if update.conflicts or any(t in self.query_one(VotingPane).conflicts for t in gone):
            self._show_conflicts(conflicts)
        self._update_status(update)
        for level, text in update.notices:
            self.attention(text, severity=level if level in ("warning", "error") else "information")
        self._check_approvals()

    def _show_conflicts(self, changed: dict[int, Conflict | None]) -> None:
        pane = self.query_one(VotingPane)
        for task_id, conflict in changed.items():
            if conflict is None:
                pane.drop(task_id)
            else:
                pane.upsert(conflict)  # notifies when it starts waiting
                pane.add_class("-shown")
        self.refresh_bindings()  # the vote digits are room-wide while a vote waits

    def _check_approvals(self) -> None:
        """Announce tool calls newly held for a human (the gate keeps them in memory)."""
        waiting = len(self.orch.pending_approvals())
        if waiting > self.approvals_seen:
            self.attention(f"{waiting} tool call(s) wait for approval (t)", severity="warning")
        self.approvals_seen = waiting

    def _update_status(self, update: SwarmUpdate) -> None:
        flags = self.orch.flags
        paused_agents = sorted(k.split(":", 1)[1] for k in flags if k.startswith("paused_agent:"))
        budget = self.settings.budget.run_usd or self.settings.budget.daily_usd
        text = status_text(
            update.totals or self.last_totals,
            tokens_per_s=update.tokens_per_s, budget_usd=budget,
            paused_all=self.orch.paused_all(), paused_agents=paused_agents,
            compact=self.compact,
        )  # fmt: skip
        if self.attachment is not None:
            text = f"{self.attachment.describe()} · {text}"
        self.query_one(StatusBar).show(text)
        if update.totals is not None:
            self.last_totals = update.totals

    def attention(self, text: str, *, severity: str = "warning") -> None:
        """Something a person should see now: a notification, and the bell for errors."""
        if severity == "error" and self.settings.ui.bell:
            self.bell()
        self.notify(text, severity=severity, timeout=8)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ layout
    def on_resize(self, event: Resize) -> None:
        self._apply_size(event.size.width, event.size.height)

    def _apply_size(self, width: int, height: int) -> None:
        self.compact = width < COMPACT_WIDTH or height < COMPACT_HEIGHT
        self.screen.set_class(self.compact, "-compact")
        self.query_one(AgentStreams).set_class(width < COMPACT_WIDTH, "-single")
        pane = self.query_one(HardwarePane)
        pane.compact = self.compact
        roomy = width >= HARDWARE_WIDTH
        pane.display = self.settings.hardware.enabled and (
            self.show_hardware if self.hardware_toggled else roomy
        )
        queue = width - (HARDWARE_PANE_WIDTH if pane.display else 0)
        self.query_one(TaskTable).set_compact(self.compact or queue < FULL_QUEUE_WIDTH)

    async def action_toggle_cost(self) -> None:
        """Show or hide the cost pane (spend against budgets, per model, savings)."""
        await self.query_one(CostPane).toggle()

    def action_toggle_voting(self) -> None:
        """Show and focus the conflicts that wait for your vote; hide them when focused."""
        pane = self.query_one(VotingPane)
        if pane.has_class("-shown") and pane.has_focus_within:
            pane.remove_class("-shown")
            self.query_one(TaskTable).focus()
            self.refresh_bindings()
            return
        pane.add_class("-shown")
        self.query_one("#vp-conflicts").focus()

    def action_toggle_hardware(self) -> None:
        """Show or hide the hardware pane (shown by default only on wide terminals)."""
        pane = self.query_one(HardwarePane)
        self.hardware_toggled = True
        self.show_hardware = not pane.display
        self._apply_size(self.size.width, self.size.height)

    def on_stream_panel_open(self, event: StreamPanel.Open) -> None:
        self.push_screen(StreamFocusScreen(event.panel))

    def _screen_changed(self, screen: Screen[object]) -> None:
        """Streams hidden behind another screen draw what they kept once theirs is back on
        top, before its first frame. (``ScreenResume`` goes to the screen and does not bubble,
        so the app watches the signal.)"""
        for streams in self.query(AgentStreams):
            if screen is not streams.screen:
                continue
            for panel in streams.panels.values():
                if panel.in_view:
                    panel.show_kept()

    # ------------------------------------------------------------------ palette
    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        typed: dict[str, list[str]] = {}  # the keys as typed ("/", "?"), remaps included
        for active in screen.active_bindings.values():
            if active.binding.id:
                typed.setdefault(active.binding.id, []).append(self.get_key_display(active.binding))
        for binding in APP_BINDINGS:
            first = Binding(binding.key.split(",")[0], "")
            keys = " or ".join(typed.get(binding.id or "", [])) or self.get_key_display(first)
            yield SystemCommand(binding.description, f"key {keys}", _runner(self, binding.action))
        for agent in self.settings.agents:
            yield SystemCommand(f"Pause/resume agent {agent}", "stop or restart its work",
                                _toggle_agent(self, agent))  # fmt: skip


def _runner(app: SwarmApp, action: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await app.run_action(action)

    return run


def _toggle_agent(app: SwarmApp, agent: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await app.toggle_agent(agent)

    return run


def _attachment(app: SwarmApp, swarm: SwarmAPI) -> Attachment | None:
    from swarm_tui.service.client import ServiceClient

    return Attachment(app, swarm) if isinstance(swarm, ServiceClient) else None


def make_app(settings: Settings, orchestrator: SwarmAPI, *, run_core: bool = True) -> SwarmApp:
    """Build the control room around a started (or startable) orchestrator, or a client
    attached to a running service (then the room runs no orchestrator of its own)."""
    return SwarmApp(settings, orchestrator, run_core=run_core)
