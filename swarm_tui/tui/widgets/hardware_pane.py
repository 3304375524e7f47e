"""The hardware pane: CPU, RAM, GPU, VRAM and temperature history, the models Ollama holds
(spilled ones flagged, time until unload), the active alerts and the top processes.

Feed it with :meth:`HardwarePane.show` (a :class:`HardwareSampled` event) or
:meth:`HardwarePane.push`. It keeps its own bounded history. Keys on the model list: ``u``
unloads the selected model, ``l`` loads (preloads) it. Each posts
:class:`HardwarePane.ModelAction`; with ``actions`` given (an :class:`OllamaPs` fits) the pane
also runs the action in a worker, notifies the result and posts
:class:`HardwarePane.ModelActionDone`. ``compact`` (80x24) keeps CPU, GPU and VRAM, the models
and the alerts.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal, Protocol

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Static

from swarm_tui.config.hardware import AlertThresholds
from swarm_tui.hw.alerts import Alert
from swarm_tui.hw.events import HardwareSampled
from swarm_tui.hw.fmt import human_bytes, human_duration, percent
from swarm_tui.hw.model import GpuSample, HardwareSample
from swarm_tui.tui.widgets.hardware_meter import Meter

__all__ = ["HardwarePane", "ModelActions"]

Action = Literal["unload", "preload"]


class ModelActions(Protocol):
    async def unload(self, model: str) -> None: ...

    async def preload(self, model: str) -> None: ...


def _hottest(gpus: tuple[GpuSample, ...]) -> GpuSample | None:
    """The GPU to chart when there are several: the fullest VRAM (ties: the first)."""
    return max(gpus, key=lambda g: g.vram_percent or 0.0) if gpus else None


class HardwarePane(Vertical, can_focus=False):
    BINDINGS = [
        Binding("u", "unload", "Unload model", id="hw_unload"),
        Binding("l", "preload", "Load model", id="hw_preload"),
    ]
    COMPONENT_CLASSES = {"hardware-pane--warn", "hardware-pane--bad", "hardware-pane--muted"}
    DEFAULT_CSS = """
    HardwarePane { height: auto; border: round $border-blurred; padding: 0 1; }
    HardwarePane:focus-within { border: round $border; }
    HardwarePane > .hardware-pane--warn { color: $warning; }
    HardwarePane > .hardware-pane--bad { color: $error; text-style: bold; }
    HardwarePane > .hardware-pane--muted { color: $text-muted; }
    HardwarePane #hw-head, HardwarePane #hw-top, HardwarePane #hw-gpu-note { color: $text-muted; }
    HardwarePane #hw-models { height: auto; max-height: 8; }
    HardwarePane #hw-alerts { height: auto; }
    HardwarePane.-compact #hw-ram, HardwarePane.-compact #hw-temp,
    HardwarePane.-compact #hw-top, HardwarePane.-compact #hw-head { display: none; }
    HardwarePane.-compact #hw-models { max-height: 4; }
    HardwarePane.-no-gpu #hw-gpu, HardwarePane.-no-gpu #hw-vram, HardwarePane.-no-gpu #hw-temp {
        display: none;
    }
    HardwarePane #hw-gpu-note { display: none; }
    HardwarePane.-no-gpu #hw-gpu-note { display: block; }
    """

    compact: reactive[bool] = reactive(False)

    @dataclass
    class ModelAction(Message):
        """A key asked to unload or preload a model."""

        action: Action
        model: str

    @dataclass
    class ModelActionDone(Message):
        action: Action
        model: str
        error: str | None = None
        """None when Ollama did it."""

    def __init__(
        self,
        *,
        actions: ModelActions | None = None,
        thresholds: AlertThresholds | None = None,
        history: int = 120,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.actions = actions
        self.thresholds = thresholds or AlertThresholds()
        self.samples: deque[HardwareSample] = deque(maxlen=history)
        self.alerts: tuple[Alert, ...] = ()
        self.border_title = "Hardware"

    def compose(self) -> ComposeResult:
        t = self.thresholds
        yield Static("waiting for the first sample…", id="hw-head")
        yield Meter("CPU", warn=85, bad=97, id="hw-cpu")
        yield Meter("RAM", warn=85, bad=95, id="hw-ram")
        yield Meter("GPU", id="hw-gpu")
        yield Meter(
            "VRAM", warn=t.vram_percent - t.vram_clear_margin, bad=t.vram_percent, id="hw-vram"
        )
        yield Meter("TEMP", warn=t.gpu_temp_c - t.temp_clear_margin, bad=t.gpu_temp_c, id="hw-temp")
        yield Static("", id="hw-gpu-note")
        yield Static("", id="hw-ollama")
        table: DataTable[str | Text] = DataTable(id="hw-models", cursor_type="row")
        table.show_header = True
        yield table
        yield Static("", id="hw-alerts")
        yield Static("", id="hw-top")

    def on_mount(self) -> None:
        self._columns()
        if self.samples:
            self._redraw()

    # ------------------------------------------------------------------ input
    def show(self, event: HardwareSampled) -> None:
        self.push(event.sample, event.alerts.active)

    def push(self, sample: HardwareSample, alerts: tuple[Alert, ...] = ()) -> None:
        self.samples.append(sample)
        self.alerts = alerts
        if self.is_mounted:
            self._redraw()

    def watch_compact(self, compact: bool) -> None:
        self.set_class(compact, "-compact")
        if self.is_mounted:
            self._columns()
            if self.samples:
                self._redraw()

    @property
    def selected_model(self) -> str | None:
        table = self.query_one("#hw-models", DataTable)
        if table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    # ------------------------------------------------------------------ actions
    def action_unload(self) -> None:
        self._ask("unload")

    def action_preload(self) -> None:
        self._ask("preload")

    def _ask(self, action: Action) -> None:
        model = self.selected_model
        if model is None:
            self.notify("No model selected", severity="warning")
            return
        self.post_message(self.ModelAction(action, model))
        if self.actions is not None:
            self.run_worker(self._run(action, model), group="hw-actions", exit_on_error=False)

    async def _run(self, action: Action, model: str) -> None:
        verb = {"unload": "Unloading", "preload": "Loading"}[action]
        self.notify(f"{verb} {model}…", timeout=3)
        assert self.actions is not None
        call = self.actions.unload if action == "unload" else self.actions.preload
        try:
            await call(model)
        except Exception as exc:  # the action's own error text is the message
            self.notify(str(exc), severity="error", timeout=8)
            self.post_message(self.ModelActionDone(action, model, str(exc) or type(exc).__name__))
            return
        done = {"unload": "Unloaded", "preload": "Loaded"}[action]
        self.notify(f"{done} {model}", timeout=3)
        self.post_message(self.ModelActionDone(action, model))

    # ------------------------------------------------------------------ drawing
    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"hardware-pane--{name}")

    def _columns(self) -> None:
        table = self.query_one("#hw-models", DataTable)
        table.clear(columns=True)
        if self.compact:
            table.add_columns("model", "GPU", "unloads", "")
        else:
            table.add_columns("model", "size", "on GPU", "ctx", "unloads in", "")

    def _redraw(self) -> None:
        sample = self.samples[-1]
        history = list(self.samples)
        self._head(sample)
        self._meters(sample, history)
        self._gpu_note(sample)
        self._models(sample)
        self._alerts()
        self._top(sample)

    def _head(self, s: HardwareSample) -> None:
        h = s.host
        parts = [h.hostname if h and h.hostname else "?", s.source]
        if h is not None and h.cores:
            parts.append(f"{h.cores} cores")
        if h is not None and h.load is not None:
            parts.append("load " + " ".join(f"{x:.2f}" for x in h.load))
        if h is not None and h.battery is not None:
            plugged = {True: "AC", False: "on battery", None: "?"}[h.battery.plugged]
            parts.append(f"battery {h.battery.percent:.0f}% {plugged}")
        parts += [f"⚠ {e}" for e in s.errors]
        self.query_one("#hw-head", Static).update(" · ".join(parts))

    def _meters(self, s: HardwareSample, history: list[HardwareSample]) -> None:
        h = s.host
        cpu = [x.host.cpu_percent if x.host else None for x in history]
        self.query_one("#hw-cpu", Meter).set(cpu, percent(h.cpu_percent if h else None))
        ram = [x.host.mem_percent if x.host else None for x in history]
        ram_text = f"{human_bytes(h.mem_used_bytes)}/{human_bytes(h.mem_total_bytes)}" if h else "—"
        self.query_one("#hw-ram", Meter).set(ram, ram_text)
        gpus = [_hottest(x.gpu.gpus) if x.gpu else None for x in history]
        g = gpus[-1]
        available = s.gpu is not None and s.gpu.available
        self.set_class(not available, "-no-gpu")
        self.query_one("#hw-gpu", Meter).set(
            [x.util_percent if x else None for x in gpus],
            percent(g.util_percent if g else None) + self._gpu_suffix(g),
        )
        vram_text = "—"
        if g is not None and g.vram_total_bytes:
            vram_text = (
                f"{human_bytes(g.vram_used_bytes)}/{human_bytes(g.vram_total_bytes)} "
                f"{percent(g.vram_percent)}"
            )
        self.query_one("#hw-vram", Meter).set(
            [x.vram_percent if x else None for x in gpus], vram_text
        )
        temp_text = "—"
        if g is not None and g.temperature_c is not None:
            temp_text = f"{g.temperature_c:.0f} °C"
            if g.power_w is not None:
                temp_text += f" {g.power_w:.0f} W"
            if g.throttle:
                temp_text += " throttled"
        self.query_one("#hw-temp", Meter).set(
            [x.temperature_c if x else None for x in gpus], temp_text
        )

    def _gpu_suffix(self, g: GpuSample | None) -> str:
        """The GPU's name; in the compact form (no TEMP line) its temperature instead."""
        if g is None:
            return ""
        if self.compact:
            return f" {g.temperature_c:.0f} °C" if g.temperature_c is not None else ""
        return f" {g.name}"

    def _gpu_note(self, s: HardwareSample) -> None:
        note = self.query_one("#hw-gpu-note", Static)
        gpu = s.gpu
        if gpu is None:
            note.update("GPU: no readings")
        elif not gpu.available:
            note.update(
                Text.assemble(
                    ("GPU: ", ""),
                    (gpu.reason, self._style("warn")),
                    " — host and Ollama readings go on",
                )
            )

    def _models(self, s: HardwareSample) -> None:
        header = self.query_one("#hw-ollama", Static)
        table = self.query_one("#hw-models", DataTable)
        selected = self.selected_model
        table.clear()
        o = s.ollama
        if o is None:
            header.update("Ollama: not watched")
            return
        if not o.reachable:
            header.update(Text(f"Ollama: {o.error}", self._style("warn")))
            return
        spilled = sum(m.spilled for m in o.models)
        text = f"Ollama {o.version} · {len(o.models)} loaded"
        text += f" · {spilled} spilled" if spilled else ""
        header.update(text + " · u unload · l load")
        loaded = {m.name for m in o.models}
        for m in o.models:
            unload = human_duration(m.seconds_to_unload(s.time))
            flag = Text("⚠ spilled to CPU", self._style("warn")) if m.spilled else Text("")
            share = f"{m.vram_share:.0%}"
            if self.compact:
                table.add_row(m.name, share, unload, flag, key=m.name)
            else:
                table.add_row(
                    m.name,
                    human_bytes(m.size_bytes),
                    share,
                    str(m.context_length or "?"),
                    unload,
                    flag,
                    key=m.name,
                )
        muted = self._style("muted")
        for name in o.available:
            if name in loaded:
                continue
            cells = [Text(name, muted), Text("—", muted), Text("not loaded", muted), Text("")]
            if not self.compact:
                cells[2:2] = [Text("—", muted), Text("—", muted)]
            table.add_row(*cells, key=name)
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))

    def _alerts(self) -> None:
        box = self.query_one("#hw-alerts", Static)
        if not self.alerts:
            box.update(Text("no alerts", self._style("muted")))
            return
        text = Text()
        for i, alert in enumerate(self.alerts):
            style = self._style("bad" if alert.level == "error" else "warn")
            text.append(("\n" if i else "") + f"▲ {alert.text}", style)
        box.update(text)

    def _top(self, s: HardwareSample) -> None:
        top = s.host.top[:4] if s.host else ()
        line = " · ".join(f"{p.name} {p.cpu_percent:.0f}% {human_bytes(p.rss_bytes)}" for p in top)
        names = {p.pid: p.name for p in (s.host.top if s.host else ())}
        procs = [p for g in (s.gpu.gpus if s.gpu else ()) for p in g.processes]
        vram = " · ".join(
            f"{names.get(p.pid, p.pid)} {human_bytes(p.used_bytes)}" for p in procs[:4]
        )
        lines = [f"top: {line}" if line else "", f"VRAM by process: {vram}" if vram else ""]
        self.query_one("#hw-top", Static).update("\n".join(x for x in lines if x))
