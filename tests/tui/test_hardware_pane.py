"""The hardware pane in a tiny host app, fed by a real sampler over a scripted GPU source
(the alert engine is the real one): a spilled model, a temperature alert, the degraded
"no NVIDIA driver" pane, the compact form, and the unload/preload keys reaching a loopback
Ollama. Snapshots are deterministic: fixed samples, fixed clock, no animation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Static

from swarm_tui.hw.events import HardwareSampled
from swarm_tui.hw.model import GpuProcess
from swarm_tui.hw.ollama_ps import OllamaPs
from swarm_tui.hw.sampler import Sampler
from swarm_tui.hw.sources import Reading
from swarm_tui.tui.widgets.hardware_meter import Meter, bar_chars
from swarm_tui.tui.widgets.hardware_pane import HardwarePane, ModelActions
from tests.hw.samples import GIB, NO_DRIVER_GPU, T0, ScriptedSource, gpu, host, ollama
from tests.providers.loopback import LoopbackServer, Reply, ndjson

SnapCompare = Callable[..., bool]

# The GPU warms up from 60 to 88 °C while VRAM fills; the 14b model is pushed partly to CPU.
WARMING = [
    Reading(
        host=host(cpu=20.0 + 2 * i),
        gpu=gpu(temp=60.0 + i, used=8 + i // 4, util=40.0 + 2 * i),
        ollama=ollama(spilled=i >= 20),
    )
    for i in range(29)
]
DEGRADED = [
    Reading(host=host(cpu=10.0 + 3 * i), gpu=NO_DRIVER_GPU, ollama=ollama(spilled=False))
    for i in range(12)
]


class Ticks:
    def __init__(self) -> None:
        self.now = T0 - 2.0

    def __call__(self) -> float:
        self.now += 2.0
        return self.now


class PaneApp(App[None]):
    """One hardware pane; on mount a sampler reads the scripted readings into it."""

    CSS = "Screen { align: left top; }"

    def __init__(
        self,
        readings: Sequence[Reading],
        *,
        compact: bool = False,
        actions: ModelActions | None = None,
    ) -> None:
        super().__init__()
        self.readings = list(readings)
        self.pane = HardwarePane(actions=actions, history=60)
        self.pane.compact = compact
        self.events: list[HardwareSampled] = []

    def compose(self) -> ComposeResult:
        yield self.pane

    async def on_mount(self) -> None:
        self.animation_level = "none"
        source = ScriptedSource(self.readings)
        sampler = Sampler([source], history=60, clock=Ticks(), publish=self.events.append)
        for _ in self.readings:
            self.pane.show(await sampler.sample_once())
        self.pane.query_one(DataTable).focus()


def posted(seen: list[Message], kind: type[Message]) -> list[Any]:
    """Each message once (the hook sees it again at every parent it bubbles through)."""
    return list({id(m): m for m in seen if isinstance(m, kind)}.values())


def text_of(app: App[Any], selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def test_spilled_model_and_temperature_alert_show() -> None:
    app = PaneApp(WARMING)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        assert list(table.rows) == ["qwen2.5-coder:14b", "llama3.2:3b", "nomic-embed-text:latest"]
        coder = [str(c) for c in table.get_row("qwen2.5-coder:14b")]
        assert coder == [
            "qwen2.5-coder:14b",
            "12.0 GiB",
            "75%",
            "8192",
            "3m09s",
            "⚠ spilled to CPU",
        ]
        assert [str(c) for c in table.get_row("llama3.2:3b")][4:] == ["forever", ""]
        assert "not loaded" in [str(c) for c in table.get_row("nomic-embed-text:latest")]
        alerts = text_of(app, "#hw-alerts")
        assert "GPU 0 at 88 °C (above 85 °C)" in alerts
        assert "qwen2.5-coder:14b spilled to CPU: 75% on GPU" in alerts
        assert "1 spilled" in text_of(app, "#hw-ollama")
        assert app.query_one("#hw-gpu-note").display is False
        temp = app.query_one("#hw-temp", Meter)
        assert temp.values[-1] == 88.0 and temp.text == "88 °C 120 W"
        assert len(app.pane.samples) == len(WARMING)
        raised = [a.key for e in app.events for a in e.raised]
        assert raised.count("gpu_temp:0") == 1  # raised once, not on every hot sample


async def test_without_a_driver_the_pane_says_so_and_the_rest_works() -> None:
    app = PaneApp(DEGRADED)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        note = text_of(app, "#hw-gpu-note")
        assert "no NVIDIA driver (NVML library not found)" in note
        for meter in ("#hw-gpu", "#hw-vram", "#hw-temp"):
            assert app.query_one(meter).display is False
        assert app.query_one("#hw-cpu", Meter).text == "43%"
        assert app.query_one(DataTable).row_count == 3
        assert str(text_of(app, "#hw-alerts")) == "no alerts"


async def test_compact_form_drops_columns_and_rows_and_comes_back() -> None:
    app = PaneApp(WARMING, compact=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        assert len(table.columns) == 4 and app.pane.has_class("-compact")
        assert app.query_one("#hw-ram").styles.display == "none"
        app.pane.compact = False
        await pilot.pause()
        assert len(table.columns) == 6 and table.row_count == 3


async def test_keys_unload_and_preload_through_ollama() -> None:
    async with LoopbackServer() as srv:
        done = ndjson({"model": "x", "response": "", "done": True})
        srv.route("POST", "/api/generate", Reply(200, done, "application/json"))
        ps = OllamaPs(srv.url)
        seen: list[Message] = []
        app = PaneApp(WARMING, actions=ps)
        try:
            async with app.run_test(size=(100, 32), message_hook=seen.append) as pilot:
                await pilot.pause()
                await pilot.press("u")  # the cursor starts on the spilled 14b model
                await pilot.press("down", "down", "l")
                await app.workers.wait_for_complete()
                await pilot.pause()
        finally:
            await ps.aclose()
    asked = [(m.action, m.model) for m in posted(seen, HardwarePane.ModelAction)]
    assert asked == [("unload", "qwen2.5-coder:14b"), ("preload", "nomic-embed-text:latest")]
    finished = posted(seen, HardwarePane.ModelActionDone)
    assert sorted((m.action, m.error) for m in finished) == [("preload", None), ("unload", None)]
    bodies = sorted(map(str, (r.json() for r in srv.requests)))
    assert bodies == sorted(
        map(
            str,
            [{"model": "qwen2.5-coder:14b", "keep_alive": 0}, {"model": "nomic-embed-text:latest"}],
        )
    )


async def test_a_refused_action_is_reported() -> None:
    class Refusing:
        async def unload(self, model: str) -> None:
            raise RuntimeError(f"unload {model}: HTTP 404 model not found")

        async def preload(self, model: str) -> None:
            raise AssertionError("not asked")

    seen: list[Message] = []
    app = PaneApp(WARMING, actions=Refusing())
    async with app.run_test(size=(100, 32), message_hook=seen.append) as pilot:
        await pilot.pause()
        await pilot.press("u")
        await app.workers.wait_for_complete()
        await pilot.pause()
    [done] = posted(seen, HardwarePane.ModelActionDone)
    assert done.error == "unload qwen2.5-coder:14b: HTTP 404 model not found"


async def test_vram_per_process_is_named_from_the_host_processes() -> None:
    [g] = gpu().gpus
    with_procs = replace(gpu(), gpus=(replace(g, processes=(GpuProcess(1234, 9 * GIB),)),))
    app = PaneApp([replace(WARMING[0], gpu=with_procs)])
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert "VRAM by process: ollama 9.0 GiB" in text_of(app, "#hw-top")


def test_bars_are_on_a_fixed_scale() -> None:
    assert bar_chars([0.0, 50.0, 100.0, None], 6, 100.0) == "  ▁▄█·"
    assert bar_chars([30.0] * 10, 3, 100.0) == "▂▂▂"
    assert bar_chars([], 0, 100.0) == ""


# ---------------------------------------------------------------------- snapshots
def test_snapshot_spilled_model_and_hot_gpu(snap_compare: SnapCompare) -> None:
    assert snap_compare(PaneApp(WARMING), terminal_size=(100, 30))


def test_snapshot_no_nvidia_driver(snap_compare: SnapCompare) -> None:
    assert snap_compare(PaneApp(DEGRADED), terminal_size=(100, 30))


def test_snapshot_compact_80x24(snap_compare: SnapCompare) -> None:
    assert snap_compare(PaneApp(WARMING, compact=True), terminal_size=(80, 24))


def test_snapshot_ollama_unreachable(snap_compare: SnapCompare) -> None:
    down = [
        replace(
            r,
            ollama=replace(
                ollama(),
                reachable=False,
                models=(),
                available=(),
                error="Ollama at http://127.0.0.1:11434 unreachable",
            ),
        )
        for r in WARMING[:5]
    ]
    assert snap_compare(PaneApp(down), terminal_size=(100, 30))
