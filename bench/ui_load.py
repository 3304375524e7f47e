"""UI under stream load: the control room headless with N agents streaming at 50 tokens/s each.

For each swarm size this runs the real app (``make_app`` with the orchestrator in-process, a real
SQLite ledger with its group commit) under ``App.run_test(headless=True)``, with a scripted
provider that emits one token every 20 ms per stream, and measures while every agent streams:

* key-press-to-screen latency: a key event is handed to the app the way the terminal driver
  does (``driver.send_message``); the latency is the time until the first frame the screen's
  compositor renders (``App._display``) after the key's effect is in the app's state (the task
  table's cursor moved, or its sort changed). Headless Textual skips turning a frame into
  terminal bytes, so the bench does that itself inside the measured frame
  (``CompositorUpdate.render_segments``), as a real terminal session would.
* event-loop lag: a task sleeps 10 ms in a loop and records how late it wakes up.
* CPU: ``time.process_time()`` over the measured window (all threads of the process).

Run: ``make bench`` or ``.venv/bin/python bench/ui_load.py [--sizes 8 32 64] [--seconds 20]``.
Results are printed and written to bench/RESULTS.md (see bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import machine, machine_lines, pct, write_section
from rich.console import RenderableType
from textual import events
from textual._compositor import CompositorUpdate
from textual.screen import Screen

from swarm_tui.config import (
    AgentConfig,
    ModelConfig,
    OrchestratorConfig,
    ProviderConfig,
    Settings,
)
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec
from swarm_tui.providers.base import Done, StreamEvent, StreamRequest, TextDelta, Usage
from swarm_tui.store.ledger import SqliteLedger
from swarm_tui.tui.app import SwarmApp, make_app
from swarm_tui.tui.widgets.task_table import TaskTable

HERE = Path(__file__).resolve().parent
TOKEN_INTERVAL = 0.020  # 50 tokens/s per stream
LAG_SLEEP = 0.010
TARGET_KEY_P99_MS = 50.0
TARGET_LAG_P99_MS = 20.0
TARGET_SIZE = 32
VOCAB = [
    *[
        "the",
        "swarm",
        "routes",
        "each",
        "task",
        "to",
        "an",
        "agent",
        "and",
        "model",
        "while",
        "the",
        "ledger",
        "keeps",
        "every",
    ],
    *[
        "token",
        "written",
        "so",
        "a",
        "restart",
        "resumes",
        "work",
        "without",
        "losing",
        "output",
        "from",
        "attempts",
    ],
]


# ---------------------------------------------------------------------- the scripted provider
class PacedProvider:
    """Streams words at a fixed rate per stream, on an absolute schedule (a late loop gets the
    tokens that fell due in one burst, as from a network socket), until cancelled."""

    def __init__(self, name: str, interval: float) -> None:
        self.name = name
        self.interval = interval
        self.tokens = 0

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def check(self) -> list[str]:
        return []

    async def stream(self, request: StreamRequest) -> AsyncIterator[StreamEvent]:
        rng = random.Random(len(request.messages[-1].content))
        loop = asyncio.get_running_loop()
        due = loop.time()
        i = 0
        while i < request.max_tokens:
            due += self.interval
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            word = rng.choice(VOCAB)
            i += 1
            self.tokens += 1
            yield TextDelta(("\n" if i % 14 == 0 else " ") + word)
        yield Usage(input_tokens=20, output_tokens=i)
        yield Done("length")


def bench_settings(agents: int) -> Settings:
    agents = max(agents, 1)
    model = {"paced": ModelConfig(max_tokens=1_000_000)}
    return Settings(
        providers={
            "bench": ProviderConfig(
                kind="openai",
                base_url="http://127.0.0.1:9/v1",
                models=model,
                max_concurrent=agents,
            )
        },
        agents={"worker": AgentConfig(mix={"bench/paced": 1}, max_concurrent=agents)},
        orchestrator=OrchestratorConfig(
            max_concurrent=agents, heartbeat_seconds=30, lease_seconds=120
        ),
    )


# ---------------------------------------------------------------------- measuring
@dataclass
class Probe:
    """Key-to-frame latencies, frame count and event-loop lags for one run."""

    keys: dict[str, list[float]] = field(default_factory=lambda: {"cursor": [], "sort": []})
    lags: list[float] = field(default_factory=list)
    frames: int = 0
    frame_bytes: int = 0
    pending: tuple[str, float, Callable[[], bool]] | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)
    measuring: bool = False

    def frame(self) -> None:
        now = time.perf_counter()
        if self.measuring:
            self.frames += 1
        if self.pending is not None:
            kind, sent, effect = self.pending
            if effect():
                self.keys[kind].append(now - sent)
                self.pending = None
                self.done.set()


def instrument(app: SwarmApp, probe: Probe) -> None:
    """Wrap this app instance's frame output: encode each frame as a terminal would receive
    it (headless Textual skips that), then tell the probe a frame reached the screen."""
    display = app._display

    def timed_display(screen: Screen[Any], renderable: RenderableType | None) -> None:
        if isinstance(renderable, CompositorUpdate) and not app._batch_count:
            text = renderable.render_segments(app.console)
            if probe.measuring:
                probe.frame_bytes += len(text)
        display(screen, renderable)
        if renderable is not None and not app._batch_count:
            probe.frame()

    app._display = timed_display  # type: ignore[method-assign]


async def lag_probe(probe: Probe, stop: asyncio.Event) -> None:
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(LAG_SLEEP)
        if probe.measuring:
            probe.lags.append(time.perf_counter() - start - LAG_SLEEP)


async def press(app: SwarmApp, probe: Probe, key: str, kind: str) -> None:
    """Send one key the way the terminal driver does and wait for its frame (at most 5 s)."""
    table = app.query_one(TaskTable)
    if kind == "cursor":
        before = table.cursor_row

        def effect() -> bool:
            return table.cursor_row != before
    else:
        sort_before = table.sort_index

        def effect() -> bool:
            return table.sort_index != sort_before

    probe.done.clear()
    event = events.Key(key, None if len(key) > 1 else key)
    event.set_sender(app)
    assert app._driver is not None
    probe.pending = (kind, time.perf_counter(), effect)
    app._driver.send_message(event)
    try:
        await asyncio.wait_for(probe.done.wait(), 5.0)
    except TimeoutError:
        probe.pending = None
        probe.keys[kind].append(5.0)


@dataclass
class Result:
    agents: int
    seconds: float
    tokens_per_s: float
    cursor: list[float]
    sort: list[float]
    lags: list[float]
    cpu_s: float
    frames_per_s: float
    mbytes_per_s: float


async def run_size(agents: int, seconds: float, warmup: float, tmp: Path) -> Result:
    settings = bench_settings(agents)
    interval = settings.orchestrator.commit_interval_ms / 1000
    ledger = await SqliteLedger.open(tmp / f"ui-load-{agents}.db", commit_interval=interval)
    provider = PacedProvider("bench", TOKEN_INTERVAL)
    orch = Orchestrator(settings, ledger, {"bench": provider})
    # 0 agents = the idle baseline: eight queued tasks, nothing dispatched or streaming.
    await orch.submit(
        [
            TaskSpec(f"Stream for the bench, agent {i}", title=f"stream {i}")
            for i in range(agents or 8)
        ]
    )
    app = make_app(settings, orch, run_core=agents > 0)
    probe = Probe()
    stop = asyncio.Event()
    try:
        async with app.run_test(headless=True, size=(120, 40)) as pilot:
            instrument(app, probe)
            lagger = asyncio.create_task(lag_probe(probe, stop))
            deadline = time.monotonic() + 30
            while len(orch.running) < agents:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {len(orch.running)}/{agents} streams started")
                await asyncio.sleep(0.05)
            await pilot.pause()
            await asyncio.sleep(warmup)

            tokens0, cpu0, wall0 = provider.tokens, time.process_time(), time.perf_counter()
            probe.measuring = True
            n = 0
            while time.perf_counter() - wall0 < seconds:
                if n % 5 == 4:
                    await press(app, probe, "s", "sort")
                else:
                    row = app.query_one(TaskTable).cursor_row
                    await press(app, probe, "down" if row == 0 else "up", "cursor")
                n += 1
                await asyncio.sleep(random.uniform(0.05, 0.15))
            probe.measuring = False
            wall = time.perf_counter() - wall0
            cpu = time.process_time() - cpu0
            tokens = provider.tokens - tokens0
            stop.set()
            await lagger
    finally:
        await orch.stop()
        await ledger.close()
    return Result(
        agents, wall, tokens / wall, probe.keys["cursor"], probe.keys["sort"], probe.lags,
        cpu, probe.frames / wall, probe.frame_bytes / wall / 1e6,
    )  # fmt: skip


# ---------------------------------------------------------------------- reporting
def table(results: list[Result]) -> list[str]:
    head = (
        "| agents | tokens/s (target) | key→screen p50 / p99 ms (cursor) | key→screen p50 / p99 ms"
        " (sort) | loop lag p50 / p99 ms | CPU s / % of a core | frames/s |"
    )
    rows = [head, "|" + "---|" * 7]
    for r in results:
        rows.append(
            f"| {r.agents or '0 (idle)'} | {r.tokens_per_s:,.0f} ({r.agents * 50:,}) "
            f"| {pct(r.cursor, 50):.1f} / {pct(r.cursor, 99):.1f} (n={len(r.cursor)}) "
            f"| {pct(r.sort, 50):.1f} / {pct(r.sort, 99):.1f} (n={len(r.sort)}) "
            f"| {pct(r.lags, 50):.1f} / {pct(r.lags, 99):.1f} (n={len(r.lags)}) "
            f"| {r.cpu_s:.1f} / {100 * r.cpu_s / r.seconds:.0f}% "
            f"| {r.frames_per_s:.0f} |"
        )
    return rows


def verdict(results: list[Result]) -> list[str]:
    at = [r for r in results if r.agents == TARGET_SIZE]
    if not at:
        return [f"(no run at {TARGET_SIZE} agents: targets not checked)"]
    r = at[0]
    keys = r.cursor + r.sort
    key99, lag99 = pct(keys, 99), pct(r.lags, 99)
    out = []
    for name, value, target in (
        ("key-press-to-screen p99 (all keys)", key99, TARGET_KEY_P99_MS),
        ("event-loop lag p99", lag99, TARGET_LAG_P99_MS),
    ):
        head = f"- {name} at {TARGET_SIZE} agents: {value:.1f} ms; target < {target:g} ms:"
        if value < target:
            out.append(f"{head} met")
        else:
            out.append(f"{head} **not met** (gap {value - target:.1f} ms)")
    return out


def write_results(results: list[Result], info: dict[str, str], args: argparse.Namespace) -> str:
    lines = [
        "## UI under stream load",
        "",
        "Written by `bench/ui_load.py` (`make bench`); how it measures: bench/README.md.",
        f"Each size: {args.warmup:g} s warm-up with every agent streaming, then {args.seconds:g} s"
        " measured while keys are pressed (cursor down/up, every fifth press `s` sort) at"
        " random 50-150 ms gaps after each frame. 120x40 terminal, headless.",
        "",
        *machine_lines(info),
        "### Figures",
        "",
        *table(results),
        "",
        f"### Targets (issue: at {TARGET_SIZE} agents, 50 tokens/s each)",
        "",
        *verdict(results),
        "",
    ]
    text = "\n".join(lines)
    return text


async def main_async(args: argparse.Namespace) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory(prefix="swarm-ui-load-") as tmp:
        for agents in args.sizes:
            print(f"… {agents} agents", file=sys.stderr, flush=True)
            results.append(await run_size(agents, args.seconds, args.warmup, Path(tmp)))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[0, 8, 32, 64], help="agents; 0 = idle baseline"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per size")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--quick", action="store_true", help="sizes 0 and 32, 5 s each")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.seconds, args.warmup = [0, 32], 5.0, 1.0
    info = machine()
    results = asyncio.run(main_async(args))
    text = write_results(results, info, args)
    print(text)
    if not args.no_write:  # only this section; the hand-written Notes survive a rerun
        write_section("ui_load", text, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
