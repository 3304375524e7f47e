"""Memory over a night: an accelerated run equal to 8 hours of a busy swarm, RSS sampled.

The swarm: ``--agents`` agents (8) busy all night; tasks arrive as the queue drains (a feeder
keeps ``2 x agents`` queued); each task streams ``--tokens`` tokens (600) in deltas of four
over ``--task-seconds`` (60 s) of simulated time; 2% of attempts fail once with a retryable
error and are retried. 8 hours x 8 agents / 60 s = 3,840 tasks, 2.3 M tokens.

Time compression: everything a real night would do happens — every task, attempt, token,
ledger write, bus event, UI update — but the scripted provider's waits are divided by the
compression factor (``8 h / --minutes``; 240x for the default 2 minutes). Nothing else is
scaled: tasks are dispatched as fast as slots free up. The real control room runs headless
(``make_app`` + ``run_test``, 120x40) with the orchestrator in-process on a real SQLite ledger
file, as a person would leave it overnight (``--no-ui``: the orchestrator alone).

Simulated time is measured by work done (tasks finished / tasks per simulated hour), so a
run that cannot keep up with the planned compression takes longer but still covers the night.
RSS (psutil) is sampled every ``--sample`` s of wall time; growth is reported from the end of
the first simulated hour (start-up, imports and caches settled) to the end, and from the start.

Run: ``.venv/bin/python bench/night.py [--minutes 2] [--hours 8] [--quick] [--no-ui]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from common import machine, machine_lines, write_section

from swarm_tui.config import (
    AgentConfig,
    ModelConfig,
    OrchestratorConfig,
    ProviderConfig,
    Settings,
)
from swarm_tui.core.control import ControlError
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.providers.base import (
    Done,
    ProviderError,
    StreamEvent,
    StreamRequest,
    TextDelta,
    Usage,
)
from swarm_tui.store.ledger import SqliteLedger
from swarm_tui.tui.app import make_app
from swarm_tui.tui.widgets.task_table import TaskTable

TARGET_GROWTH = 0.10
WORDS = [
    *("the", "swarm", "routes", "each", "task", "to", "an", "agent", "and", "model", "while"),
    *("the", "ledger", "keeps", "every", "token", "written", "so", "a", "restart", "resumes"),
    *("work", "without", "losing", "output", "from", "attempts", "of", "the", "night"),
]


class NightProvider:
    """Streams ``tokens`` tokens over ``seconds / compression`` wall seconds, in deltas of four;
    fails ``fail_rate`` of the attempts once, partway through."""

    name = "night"

    def __init__(self, tokens: int, seconds: float, compression: float, fail_rate: float):
        self.tokens = tokens
        self.wall = seconds / compression
        self.fail_rate = fail_rate
        self.rng = random.Random(11)
        self.delivered = 0
        self.failed = 0

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def check(self) -> list[str]:
        return []

    async def stream(self, request: StreamRequest) -> AsyncIterator[StreamEvent]:
        loop = asyncio.get_running_loop()
        deltas = max(1, self.tokens // 4)
        step = self.wall / deltas
        fail_at = deltas // 3 if self.rng.random() < self.fail_rate else -1
        due = loop.time()
        for i in range(deltas):
            due += step
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if i == fail_at:
                self.failed += 1
                raise ProviderError("night: 503 overloaded (scripted)", retryable=True)
            text = " " + " ".join(self.rng.choice(WORDS) for _ in range(4))
            self.delivered += 4
            yield TextDelta(text + ("\n" if i % 12 == 11 else ""))
        yield Usage(input_tokens=40, output_tokens=deltas * 4)
        yield Done("stop")


def night_settings(agents: int, tokens: int) -> Settings:
    return Settings(
        providers={
            "night": ProviderConfig(
                kind="openai",
                base_url="http://127.0.0.1:9/v1",
                max_concurrent=agents,
                models={
                    "m": ModelConfig(max_tokens=tokens, input_per_mtok=0.2, output_per_mtok=0.6)
                },
            )
        },
        agents={"worker": AgentConfig(mix={"night/m": 1}, max_concurrent=agents)},
        orchestrator=OrchestratorConfig(
            max_concurrent=agents, heartbeat_seconds=5, lease_seconds=60
        ),
        # back-off in compressed time too (a real night: 1-60 s)
        retry={"base_seconds": 0.05, "cap_seconds": 0.5},  # type: ignore[arg-type]
    )


@dataclass
class Sample:
    wall: float
    sim_hours: float
    rss_mb: float
    done: int
    objects: int
    table_rows: int


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    submitted: int = 0
    done: int = 0
    wall: float = 0.0
    tokens: int = 0
    failed: int = 0
    db_mb: float = 0.0
    ui: bool = True
    compression: float = 0.0
    stale_reads: int = 0


async def night(args: argparse.Namespace, tmp: Path) -> Run:
    hours = args.hours
    compression = hours * 3600 / (args.minutes * 60)
    per_hour = 3600 * args.agents / args.task_seconds
    total = int(hours * per_hour)
    run = Run(ui=not args.no_ui, compression=compression)
    settings = night_settings(args.agents, args.tokens)
    ledger = await SqliteLedger.open(
        tmp / "night.db", commit_interval=settings.orchestrator.commit_interval_ms / 1000
    )
    provider = NightProvider(args.tokens, args.task_seconds, compression, args.fail_rate)
    orch = Orchestrator(settings, ledger, {"night": provider})  # type: ignore[dict-item]
    proc = psutil.Process()
    finished = 0
    table: TaskTable | None = None

    def count(event: object) -> None:
        nonlocal finished
        state = getattr(event, "state", None)
        if isinstance(state, TaskState) and state.terminal:
            finished += 1

    sub = orch.bus.subscribe(maxsize=100_000)

    async def watch() -> None:
        async for event in sub:
            count(event)

    async def feeder() -> None:
        n = 0
        while n < total:
            queued = n - finished - len(orch.running)
            if queued < 2 * args.agents:
                batch = min(2 * args.agents, total - n)
                specs = [
                    TaskSpec(f"Night task {n + i}: review change {n + i}.", title=f"t{n + i}")
                    for i in range(batch)
                ]
                try:
                    await orch.submit(specs)
                except ControlError as exc:  # the tasks were inserted; the read-back failed
                    run.stale_reads += 1
                    if run.stale_reads <= 3:
                        print(f"  submit: {exc} (read back after its own commit)", file=sys.stderr)
                n += batch
                run.submitted = n
            await asyncio.sleep(0.01)

    async def sampler(t0: float) -> None:
        while True:
            wall = time.perf_counter() - t0
            run.samples.append(
                Sample(
                    wall, finished / per_hour, proc.memory_info().rss / 2**20, finished,
                    len(gc.get_objects()), table.row_count if table is not None else 0,
                )
            )  # fmt: skip
            await asyncio.sleep(args.sample)

    async def body() -> None:
        t0 = time.perf_counter()
        jobs = [asyncio.create_task(j) for j in (watch(), feeder(), sampler(t0))]
        try:
            while finished < total:
                await asyncio.sleep(0.1)
                if time.perf_counter() - t0 > args.minutes * 60 * 4:
                    print("  stopped: 4x over the planned wall time", file=sys.stderr)
                    break
                if int(time.perf_counter() - t0) % 15 == 0 and run.samples:
                    s = run.samples[-1]
                    print(
                        f"  {s.sim_hours:.1f} h simulated, {finished:,}/{total:,} tasks,"
                        f" RSS {s.rss_mb:.0f} MiB",
                        file=sys.stderr,
                        flush=True,
                    )
                    await asyncio.sleep(1)
            run.wall = time.perf_counter() - t0
            run.samples.append(
                Sample(
                    run.wall, finished / per_hour, proc.memory_info().rss / 2**20,
                    finished, len(gc.get_objects()), table.row_count if table is not None else 0,
                )
            )  # fmt: skip
        finally:
            sub.close()
            for job in jobs:
                job.cancel()
            for job in jobs:
                with contextlib.suppress(asyncio.CancelledError):
                    await job

    try:
        if args.no_ui:
            runner = asyncio.create_task(orch.run())
            try:
                await body()
            finally:
                await orch.stop()
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner
        else:
            app = make_app(settings, orch)
            async with app.run_test(headless=True, size=(120, 40)):
                table = app.query_one(TaskTable)
                await body()
            await orch.stop()
    finally:
        await ledger.close()
    run.done = finished
    run.tokens = provider.delivered
    run.failed = provider.failed
    return run


def at_hour(samples: list[Sample], hour: float) -> Sample:
    return min(samples, key=lambda s: abs(s.sim_hours - hour))


def report(run: Run, info: dict[str, str], args: argparse.Namespace) -> str:
    s = run.samples
    first, base, last = s[0], at_hour(s, 1.0), s[-1]
    growth = (last.rss_mb - base.rss_mb) / base.rss_mb
    growth0 = (last.rss_mb - first.rss_mb) / first.rss_mb
    per_task = (last.rss_mb - base.rss_mb) * 1024 / max(last.done - base.done, 1)
    hours = sorted({round(h) for h in range(int(args.hours) + 1)})
    rows = [
        "| simulated hour | wall s | tasks done | RSS MiB | Python objects | task table rows |",
        "|---|---|---|---|---|---|",
    ]
    for h in hours:
        x = at_hour(s, h)
        rows.append(
            f"| {x.sim_hours:.1f} | {x.wall:.0f} | {x.done:,} | {x.rss_mb:.0f} "
            f"| {x.objects:,} | {x.table_rows:,} |"
        )
    ok = growth < TARGET_GROWTH
    verdict = f"- RSS growth from simulated hour 1 to the end: {growth:.1%}; target < 10%: " + (
        "met" if ok else f"**not met** (gap {growth - TARGET_GROWTH:.1%})"
    )
    achieved = last.sim_hours
    lines = [
        "## Memory over a night" + ("" if run.ui else " (orchestrator only, no UI)"),
        "",
        f"Written by `bench/night.py`. {args.hours:g} simulated hours of {args.agents} agents busy"
        f" on tasks of {args.task_seconds:g} s and {args.tokens} tokens (deltas of four),"
        f" {args.fail_rate:.0%} of attempts failing once and retried; "
        + ("the control room headless (`make_app` + `run_test`, 120x40) with" if run.ui else "")
        + " the orchestrator in-process on a real SQLite ledger. Time compression: provider"
        f" waits divided by {run.compression:.0f} (planned {args.minutes:g} min); the run took"
        f" {run.wall:.0f} s wall for {achieved:.1f} simulated hours (simulated time = tasks"
        " finished / tasks per simulated hour), an effective compression of"
        f" {achieved * 3600 / max(run.wall, 1e-9):.0f}x. Every task, token and write of the"
        " night happens; only the waits are shorter.",
        "",
        *machine_lines(info),
        "### Figures",
        "",
        f"- Tasks: {run.done:,} finished of {run.submitted:,} submitted; tokens streamed:"
        f" {run.tokens:,}; scripted failures retried: {run.failed:,}; ledger file"
        f" {run.db_mb:.0f} MiB; `submit` calls whose read-back of their own just-committed"
        f" tasks failed (`no task #N`): {run.stale_reads}",
        f"- RSS: {first.rss_mb:.0f} MiB at start, {base.rss_mb:.0f} MiB after simulated hour 1,"
        f" {last.rss_mb:.0f} MiB at the end; growth {growth:.1%} from hour 1 ({growth0:.1%} from"
        f" the start); {per_task:.1f} KiB per finished task after hour 1",
        "",
        *rows,
        "",
        "### Target",
        "",
        verdict,
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=8.0, help="simulated hours")
    parser.add_argument("--minutes", type=float, default=2.0, help="planned wall minutes")
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--task-seconds", type=float, default=60.0, help="simulated, per task")
    parser.add_argument("--tokens", type=int, default=600, help="per task")
    parser.add_argument("--fail-rate", type=float, default=0.02)
    parser.add_argument("--sample", type=float, default=1.0, help="wall seconds between samples")
    parser.add_argument("--no-ui", action="store_true", help="the orchestrator alone")
    parser.add_argument("--tmp", type=Path, default=None, help="folder for the ledger file")
    parser.add_argument("--quick", action="store_true", help="2 simulated hours in 30 s")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if args.quick:
        args.hours, args.minutes = 2.0, 0.5
    info = machine(("textual", "aiosqlite", "psutil"))
    with tempfile.TemporaryDirectory(prefix="swarm-night-", dir=args.tmp) as tmp:
        run = asyncio.run(night(args, Path(tmp)))
        run.db_mb = sum(p.stat().st_size for p in Path(tmp).glob("night.db*")) / 2**20
    text = report(run, info, args)
    print(text)
    if not args.no_write:
        write_section("night", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
