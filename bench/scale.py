"""Scale: 100,000 tasks in a ledger, and the group commit's events per second.

1. Submit rate: ``--tasks`` tasks through ``Orchestrator.submit`` in batches of ``--batch``.
2. History: ``--history`` of them (a share) are then given a finished attempt each (2 KB of
   output, usage) written straight into the file with sqlite3 — a fixture, so the queries the
   control room runs meet a ledger with a past, not only a fresh queue.
3. Database size (main file + WAL, and after a checkpoint).
4. The control room: ``make_app(settings, orchestrator)`` started headless (``run_test``, 120x40);
   time from starting the app to the first frame rendered with rows in the task table. The
   ledger read it starts with (``Orchestrator.recent_rows``: tasks in hand, the first 1,000
   queued, the newest 1,000 finished) is also timed on its own, and so is the read of every
   task (``Orchestrator.tasks()``, which the control room used to start with).
5. Scheduling decision time: ``Orchestrator.tick()`` on that queue — the first pass (it claims
   ``max_concurrent`` tasks), then passes with every slot busy (the decision alone).
6. Group commit: a fresh ledger with 64 running attempts; ``append_output`` calls spread over
   them, with a write op (``update_task``, which also writes an event row) every 50 appends;
   events (appends + ops) committed per second, commits per second. Then ops alone.

Run: ``.venv/bin/python bench/scale.py [--tasks 100000] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from common import fmt_ms, machine, machine_lines, pct, write_section
from rich.console import RenderableType
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
from swarm_tui.providers.base import StreamEvent, StreamRequest
from swarm_tui.store.ledger import Ledger, SqliteLedger
from swarm_tui.tui.app import make_app
from swarm_tui.tui.widgets.task_table import TaskTable

NO_FEED = False
"""``--no-feed``: drop the change feed's triggers after every open (to measure their cost)."""
TARGET_QUEUE_S = 1.0
TARGET_EVENTS_PER_S = 20_000
SLOTS = 8


class HangingProvider:
    """Accepts every request and streams nothing until cancelled (keeps slots busy)."""

    name = "bench"

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def check(self) -> list[str]:
        return []

    async def stream(self, request: StreamRequest) -> AsyncIterator[StreamEvent]:
        await asyncio.Event().wait()
        if False:  # pragma: no cover - makes this an async generator
            yield


def settings(slots: int = SLOTS) -> Settings:
    return Settings(
        providers={
            "bench": ProviderConfig(
                kind="openai",
                base_url="http://127.0.0.1:9/v1",
                max_concurrent=slots,
                models={"m": ModelConfig(max_tokens=256)},
            )
        },
        agents={"worker": AgentConfig(mix={"bench/m": 1}, max_concurrent=slots)},
        orchestrator=OrchestratorConfig(max_concurrent=slots, heartbeat_seconds=30),
    )


@dataclass
class Figures:
    tasks: int = 0
    history: int = 0
    submit_s: float = 0.0
    submit_cpu_s: float = 0.0
    db_bytes: int = 0
    db_bytes_checkpointed: int = 0
    list_tasks_s: float = 0.0
    recent_rows_s: float = 0.0
    app_ready_s: float = 0.0
    first_rows_s: float = 0.0
    rows_shown: int = 0
    rss_app_mb: float = 0.0
    first_tick_s: float = 0.0
    first_tick_started: int = 0
    busy_ticks: list[float] = field(default_factory=list)
    gc_events: int = 0
    gc_seconds: float = 0.0
    gc_commits: int = 0
    gc_appends: int = 0
    gc_ops: int = 0
    ops_only: int = 0
    ops_only_s: float = 0.0
    ops_only_commits: int = 0
    get_task: list[float] = field(default_factory=list)
    tables: str = ""


def size_of(db: Path) -> int:
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())


def add_history(db: Path, count: int, seed: int = 7) -> None:
    """Give ``count`` queued tasks one finished attempt each (fixture, written with sqlite3)."""
    rng = random.Random(seed)
    output = ("lorem ipsum dolor sit amet " * 80)[:2000]
    now = time.time()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM tasks ORDER BY id LIMIT ?", (count,))]
        with conn:
            conn.executemany(
                """INSERT INTO attempts (task_id, number, agent, provider, model, state, owner,
                   lease_until, heartbeat_at, routing_reason, output, tokens_in, tokens_out,
                   cost_usd, ttft_ms, duration_ms, started_at, finished_at, usage_source)
                   VALUES (?, 1, 'worker', 'bench', 'm', 'succeeded', 'bench', ?, ?, 'mix',
                   ?, ?, ?, ?, 30.0, 8000.0, ?, ?, 'reported')""",
                [
                    (i, now, now, output, 200, n, n * 1e-6, now - 60, now)
                    for i in ids
                    for n in [rng.randint(100, 800)]
                ],
            )
            conn.executemany(
                """INSERT INTO usage (ts, task_id, attempt_id, agent, provider, model,
                   tokens_in, tokens_out, cost_usd, source)
                   SELECT finished_at, task_id, id, agent, provider, model, tokens_in,
                   tokens_out, cost_usd, 'reported' FROM attempts WHERE task_id = ?""",
                [(i,) for i in ids],
            )
            conn.executemany(
                """UPDATE tasks SET state = 'succeeded', attempts = 1, result = ?,
                   started_at = ?, finished_at = ?, updated_at = ? WHERE id = ?""",
                [(output, now - 60, now, now, i) for i in ids],
            )


async def open_ledger(path: Path) -> Ledger:
    """``SqliteLedger.open``, and with ``--no-feed`` the change feed's triggers dropped (a bench
    switch only: a ledger without them would hide its writes from other processes)."""
    ledger = await SqliteLedger.open(path)
    if NO_FEED:

        def drop(conn: sqlite3.Connection) -> None:
            names = conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'changes%'"
            ).fetchall()
            for (name,) in names:
                conn.execute(f"DROP TRIGGER {name}")

        await ledger.writer.run_sync(drop)
    return ledger


async def submit_all(orch: Orchestrator, total: int, batch: int) -> float:
    t0 = time.perf_counter()
    done = 0
    while done < total:
        n = min(batch, total - done)
        await orch.submit(
            [
                TaskSpec(f"Task {done + i}: summarise file {done + i}.", title=f"task {done + i}")
                for i in range(n)
            ]
        )
        done += n
        if done % (batch * 20) == 0:
            rate = done / (time.perf_counter() - t0)
            print(f"  {done:,} submitted ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    return time.perf_counter() - t0


async def start_app(s: Settings, orch: Orchestrator, fig: Figures, limit: float) -> None:
    """Time from starting the control room to its first frame with task rows."""
    app = make_app(s, orch, run_core=False)
    seen = asyncio.Event()
    t0 = time.perf_counter()
    display = app._display

    def timed_display(screen: Screen[Any], renderable: RenderableType | None) -> None:
        display(screen, renderable)
        if renderable is None or seen.is_set():
            return
        tables = list(app.query(TaskTable))
        if tables and tables[0].row_count:
            fig.first_rows_s = time.perf_counter() - t0
            fig.rows_shown = tables[0].row_count
            seen.set()

    app._display = timed_display  # type: ignore[method-assign]
    async with app.run_test(headless=True, size=(120, 40)) as pilot:
        fig.app_ready_s = time.perf_counter() - t0
        try:
            await asyncio.wait_for(seen.wait(), limit)
        except TimeoutError:
            fig.first_rows_s = float("inf")
        fig.rss_app_mb = psutil.Process().memory_info().rss / 2**20
        await pilot.pause()


async def scheduling(orch: Orchestrator, fig: Figures, passes: int) -> None:
    await orch.start()
    t = time.perf_counter()
    fig.first_tick_started = await orch.tick()
    fig.first_tick_s = time.perf_counter() - t
    for _ in range(passes):
        t = time.perf_counter()
        await orch.tick()
        fig.busy_ticks.append(time.perf_counter() - t)


async def group_commit(tmp: Path, fig: Figures, appends: int, ops_only: int) -> None:
    ledger = await open_ledger(tmp / "group-commit.db")
    orch = Orchestrator(settings(64), ledger, {"bench": HangingProvider()})  # type: ignore[dict-item]
    try:
        created = await orch.submit([TaskSpec(f"stream {i}") for i in range(64)])
        now = time.time()
        attempts = []
        for task, _ in created:
            attempt = await ledger.claim(
                task.id, agent="worker", provider="bench", model="m", reason="bench",
                owner=orch.owner, now=now, lease_until=now + 3600,
            )  # fmt: skip
            assert attempt is not None
            attempts.append(attempt)
        writer = ledger.writer
        ops: list[asyncio.Task[bool]] = []
        commits0 = writer.commits
        t0 = time.perf_counter()
        for i in range(appends):
            a = attempts[i % 64]
            ledger.append_output(a.id, " token")
            if i % 50 == 49:
                ops.append(
                    asyncio.create_task(
                        ledger.update_task(a.task_id, now, "bench_op", priority=i % 7)
                    )
                )
            if i % 16 == 15:
                await asyncio.sleep(0)  # let the writer and the ops run, as a live loop would
        await asyncio.gather(*ops)
        await writer.flush()
        fig.gc_seconds = time.perf_counter() - t0
        fig.gc_commits = writer.commits - commits0
        fig.gc_appends, fig.gc_ops = appends, len(ops)
        fig.gc_events = appends + len(ops)
        # ops alone: every one a separate caller waiting for its commit
        commits0 = writer.commits
        t0 = time.perf_counter()
        await asyncio.gather(
            *(
                ledger.update_task(attempts[i % 64].task_id, now, "bench_op", priority=i % 7)
                for i in range(ops_only)
            )
        )
        fig.ops_only_s = time.perf_counter() - t0
        fig.ops_only = ops_only
        fig.ops_only_commits = writer.commits - commits0
        with contextlib.closing(sqlite3.connect(ledger.path)) as conn:
            written = conn.execute("SELECT SUM(LENGTH(output)) FROM attempts").fetchone()[0]
        assert written == appends * len(" token"), (written, appends)
    finally:
        await orch.stop()
        await ledger.close()


async def main_async(args: argparse.Namespace) -> Figures:
    fig = Figures(tasks=args.tasks, history=int(args.tasks * args.history))
    with tempfile.TemporaryDirectory(prefix="swarm-scale-", dir=args.tmp) as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "scale.db"
        s = settings()
        print(f"… submitting {args.tasks:,} tasks", file=sys.stderr, flush=True)
        ledger = await open_ledger(db)
        orch = Orchestrator(s, ledger, {"bench": HangingProvider()})  # type: ignore[dict-item]
        cpu = time.process_time()
        fig.submit_s = await submit_all(orch, args.tasks, args.batch)
        fig.submit_cpu_s = time.process_time() - cpu
        await orch.stop()
        await ledger.close()
        if fig.history:
            print(f"… history for {fig.history:,} tasks", file=sys.stderr, flush=True)
            add_history(db, fig.history)
        fig.db_bytes = size_of(db)

        ledger = await open_ledger(db)
        orch = Orchestrator(s, ledger, {"bench": HangingProvider()})  # type: ignore[dict-item]
        try:
            t = time.perf_counter()
            await orch.tasks()
            fig.list_tasks_s = time.perf_counter() - t
            t = time.perf_counter()
            await orch.recent_rows(1_000, 1_000)
            fig.recent_rows_s = time.perf_counter() - t
            for task_id in random.Random(3).sample(range(1, args.tasks + 1), 100):
                t = time.perf_counter()
                await ledger.get_task(task_id)
                fig.get_task.append(time.perf_counter() - t)
            print("… control room start", file=sys.stderr, flush=True)
            await start_app(s, orch, fig, args.app_timeout)
            print("… scheduling passes", file=sys.stderr, flush=True)
            await scheduling(orch, fig, args.passes)
        finally:
            await orch.stop()
            await ledger.close()
        with contextlib.closing(sqlite3.connect(db)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            with contextlib.suppress(sqlite3.Error):  # dbstat is not compiled into every SQLite
                sizes = conn.execute(
                    "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 4"
                ).fetchall()
                fig.tables = ", ".join(f"{n} {b / 2**20:.0f} MiB" for n, b in sizes)
        fig.db_bytes_checkpointed = size_of(db)
        print("… group commit", file=sys.stderr, flush=True)
        await group_commit(tmp, fig, args.appends, args.ops)
    return fig


def report(fig: Figures, info: dict[str, str], args: argparse.Namespace) -> str:
    per_s = fig.tasks / fig.submit_s if fig.submit_s else 0
    ev_s = fig.gc_events / fig.gc_seconds if fig.gc_seconds else 0
    ops_s = fig.ops_only / fig.ops_only_s if fig.ops_only_s else 0
    rows = [
        "| figure | value |",
        "|---|---|",
        f"| tasks in the ledger | {fig.tasks:,} ({fig.history:,} with a finished attempt) |",
        f"| submit rate (`Orchestrator.submit`, batches of {args.batch:,}) | {per_s:,.0f} tasks/s"
        f" ({fig.submit_s:.1f} s) |",
        f"| submit CPU (`process_time`, every thread: steady under load) |"
        f" {fig.submit_cpu_s / max(fig.tasks, 1) * 1e6:.1f} ms per 1,000 tasks |",
        f"| database size (file + WAL) | {fig.db_bytes / 2**20:.1f} MiB; after checkpoint"
        f" {fig.db_bytes_checkpointed / 2**20:.1f} MiB; largest: {fig.tables or 'n/a'} |",
        f"| `Ledger.get_task` (one task by id; used per task by submit and by the view's"
        f" updates), p50 / p99 | {fmt_ms(pct(fig.get_task, 50))} /"
        f" {fmt_ms(pct(fig.get_task, 99))} ms |",
        f"| `Orchestrator.recent_rows` (the read the control room starts with) |"
        f" {fig.recent_rows_s * 1000:.0f} ms |",
        f"| `Orchestrator.tasks()` (every task; the control room's first read before) |"
        f" {fig.list_tasks_s:.2f} s |",
        f"| control room: start → app ready (`run_test` entered) | {fig.app_ready_s:.2f} s |",
        f"| **control room: start → first frame showing the queue** | **{fig.first_rows_s:.2f} s**"
        f" ({fig.rows_shown:,} rows) |",
        f"| RSS with the control room up | {fig.rss_app_mb:,.0f} MiB |",
        f"| scheduling pass, first (claims {fig.first_tick_started} tasks) |"
        f" {fig.first_tick_s * 1000:.1f} ms |",
        f"| scheduling pass, all {SLOTS} slots busy (decision only), p50 / p99 / max |"
        f" {fmt_ms(pct(fig.busy_ticks, 50))} / {fmt_ms(pct(fig.busy_ticks, 99))} /"
        f" {fmt_ms(pct(fig.busy_ticks, 100))} ms (n={len(fig.busy_ticks)}) |",
        f"| group commit, streamed appends + an op per 50 ({fig.gc_appends:,} + {fig.gc_ops:,})"
        f" | **{ev_s:,.0f} events/s**; {fig.gc_commits / fig.gc_seconds:,.0f} commits/s,"
        f" {fig.gc_events / max(fig.gc_commits, 1):,.0f} events per commit |",
        f"| group commit, ops only ({fig.ops_only:,} concurrent `update_task`) | {ops_s:,.0f}"
        f" ops/s; {fig.ops_only / max(fig.ops_only_commits, 1):,.0f} ops per commit |",
    ]
    verdict = []
    for name, value, target, ok in (
        ("queue shown", fig.first_rows_s, f"< {TARGET_QUEUE_S:g} s", fig.first_rows_s < 1),
        ("group commit", ev_s, f"≥ {TARGET_EVENTS_PER_S:,} events/s", ev_s >= 20_000),
    ):
        shown = f"{value:.2f} s" if name == "queue shown" else f"{value:,.0f} events/s"
        gap = (
            f"{value - TARGET_QUEUE_S:.2f} s"
            if name == "queue shown"
            else f"{TARGET_EVENTS_PER_S - value:,.0f} events/s"
        )
        verdict.append(
            f"- {name} with {fig.tasks:,} tasks: {shown}; target {target}: "
            + ("met" if ok else f"**not met** (gap {gap})")
        )
    lines = [
        "## Scale: 100,000 tasks and the group commit",
        "",
        "Written by `bench/scale.py`. A real SQLite ledger file (WAL, synchronous=FULL) in the"
        " temp dir; the history is a fixture written with sqlite3 (one finished attempt with"
        " 2 KB of output per task); the control room is headless at 120x40 with the orchestrator"
        f" not running; scheduling with {SLOTS} slots and a provider that holds every slot."
        + (" **Run with `--no-feed`: the change feed's triggers dropped.**" if NO_FEED else ""),
        "",
        *machine_lines(info),
        "### Figures",
        "",
        *rows,
        "",
        "### Targets",
        "",
        *verdict,
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000, help="tasks per submit call")
    parser.add_argument("--history", type=float, default=0.5, help="share with an attempt")
    parser.add_argument("--passes", type=int, default=50, help="busy scheduling passes")
    parser.add_argument("--appends", type=int, default=200_000, help="group commit appends")
    parser.add_argument("--ops", type=int, default=10_000, help="group commit ops-only run")
    parser.add_argument("--app-timeout", type=float, default=180.0, help="seconds")
    parser.add_argument("--tmp", type=Path, default=None, help="folder for the ledger files")
    parser.add_argument("--quick", action="store_true", help="10,000 tasks, fewer events")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--no-feed", action="store_true", help="drop the change feed's triggers (cost split)"
    )
    args = parser.parse_args(argv)
    global NO_FEED
    NO_FEED = args.no_feed
    if args.quick:
        args.tasks, args.appends, args.ops, args.passes = 10_000, 50_000, 2_000, 20
    info = machine(("textual", "aiosqlite"))
    info["SQLite"] = sqlite3.sqlite_version
    fig = asyncio.run(main_async(args))
    text = report(fig, info, args)
    print(text)
    if not args.no_write:
        write_section("scale", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
