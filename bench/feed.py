"""Change feed: change-to-screen latency across processes, and an idle room on a big ledger.

1. Fixture: a ledger (its schema from ``SqliteLedger.open``) holding ``--tasks`` tasks written
   with sqlite3: all finished, half of them with an attempt of 2 KB output and usage (as
   bench/scale.py has it), and one paused task, the one another process will change.
2. The control room as ``swarm-tui`` runs it: ``make_app`` with the orchestrator in-process
   (``run_core``), the change feed on (``runtime.change_feed`` at the default 50 ms flush),
   headless at 120x40.
3. Idle: ``--idle`` seconds with nothing changing. CPU of the process (``process_time``, every
   thread) as a share of one core, and every SQL statement run on the ledger's two
   connections in that window (``set_trace_callback``), counted by kind. Beside it, the read
   the bridge used to make once a second whatever happened (``Orchestrator.totals``), timed on
   this ledger.
4. Latency: another process (this script, ``--writer``) changes the paused task's priority
   ``--changes`` times, at random 50-150 ms gaps, through the ledger's write path
   (``Ledger.update_task``: committed when it returns), and prints the wall time of each
   commit. The room records the first frame it renders (``App._display``) once the task
   table's row holds the new priority. Latency = that frame's time - the commit's (one host,
   one clock). Changes the room merged into one update count at the frame that showed them.

Run: ``.venv/bin/python bench/feed.py [--tasks 100000] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import fmt_ms, machine, machine_lines, pct, write_section
from rich.console import RenderableType
from scale import HangingProvider, add_history, settings
from textual.screen import Screen

from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.runtime import change_feed
from swarm_tui.store.ledger import Ledger, SqliteLedger
from swarm_tui.tui.app import make_app
from swarm_tui.tui.widgets.task_table import TaskTable


@dataclass
class Figures:
    tasks: int = 0
    idle_s: float = 0.0
    idle_cpu_s: float = 0.0
    idle_statements: collections.Counter[str] = field(default_factory=collections.Counter)
    totals_read_s: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    changes: int = 0
    window_s: float = 0.0
    window_cpu_s: float = 0.0
    merged: int = 0


def fixture(db: Path, total: int) -> int:
    """``total - 1`` finished tasks (half with history), then one paused: its id."""
    now = time.time()
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.executemany(
            """INSERT INTO tasks (title, prompt, role, state, created_at, updated_at,
               finished_at) VALUES (?, ?, 'worker', 'succeeded', ?, ?, ?)""",
            [(f"task {i}", f"Task {i}: file {i}.", now, now, now) for i in range(total - 1)],
        )
    add_history(db, total // 2)
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        cur = conn.execute(
            """INSERT INTO tasks (title, prompt, role, state, created_at, updated_at)
               VALUES ('watched', 'Changed by another process.', 'worker', 'paused', ?, ?)""",
            (now, now),
        )
        return int(cur.lastrowid or 0)


def kind(statement: str) -> str:
    words = statement.split()
    head = " ".join(words[:2]).upper()
    if head.startswith("SELECT"):
        source = statement.upper().split(" FROM ", 1)
        table = source[1].split()[0] if len(source) > 1 else "?"
        return f"SELECT … FROM {table.lower()}"
    return head


async def trace(ledger: Ledger, into: collections.Counter[str] | None) -> None:
    for conn in (ledger._read, ledger._write):  # each a LedgerConnection over ``raw``
        conn.raw.set_trace_callback(None if into is None else lambda s: into.update([kind(s)]))


async def writer(db: Path, task_id: int, changes: int, seed: int) -> None:
    """The other process: priority changes at random gaps; prints ``n commit_time``."""
    rng = random.Random(seed)
    ledger = await SqliteLedger.open(db, commit_interval=0.005)
    try:
        for n in range(1, changes + 1):
            await asyncio.sleep(rng.uniform(0.05, 0.15))
            await ledger.update_task(task_id, time.time(), "priority", priority=n)
            print(n, repr(time.time()), flush=True)
    finally:
        await ledger.close()


async def room(db: Path, task_id: int, args: argparse.Namespace, fig: Figures) -> None:
    s = settings()
    ledger = await SqliteLedger.open(db)
    orch = Orchestrator(s, ledger, {"bench": HangingProvider()})  # type: ignore[dict-item]
    shown: dict[int, float] = {}
    all_shown = asyncio.Event()
    try:
        async with change_feed(orch, s.ui.stream_flush_ms / 1000):
            app = make_app(s, orch)
            display = app._display

            def timed(screen: Screen[Any], renderable: RenderableType | None) -> None:
                display(screen, renderable)
                tables = list(app.query(TaskTable))
                row = tables[0].tasks.get(task_id) if tables else None
                if renderable is not None and row is not None and row.priority not in shown:
                    at = time.time()
                    for n in range(max(shown, default=0) + 1, row.priority + 1):
                        shown[n] = at
                    if len(shown) >= args.changes:
                        all_shown.set()

            app._display = timed  # type: ignore[method-assign]
            async with app.run_test(headless=True, size=(120, 40)) as pilot:
                while not app.query(TaskTable) or task_id not in app.query_one(TaskTable).tasks:
                    await pilot.pause(0.1)
                await asyncio.sleep(2.0)  # the first reads and frames done
                for _ in range(5):
                    t = time.perf_counter()
                    await orch.totals()
                    fig.totals_read_s.append(time.perf_counter() - t)
                await asyncio.sleep(1.0)
                await trace(ledger, fig.idle_statements)
                cpu0, wall0 = time.process_time(), time.perf_counter()
                await asyncio.sleep(args.idle)
                fig.idle_cpu_s = time.process_time() - cpu0
                fig.idle_s = time.perf_counter() - wall0
                await trace(ledger, None)

                merged0 = app.bridge.merged
                cpu0, wall0 = time.process_time(), time.perf_counter()
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, __file__, "--writer", str(db), str(task_id),
                    str(args.changes), stdout=asyncio.subprocess.PIPE,
                )  # fmt: skip
                out, _ = await proc.communicate()
                with contextlib.suppress(TimeoutError):  # a change never shown is left out
                    await asyncio.wait_for(all_shown.wait(), 600)
                fig.window_cpu_s = time.process_time() - cpu0
                fig.window_s = time.perf_counter() - wall0
                fig.merged = app.bridge.merged - merged0
    finally:
        await orch.stop()
        await ledger.close()
    for line in out.decode().splitlines():
        n, committed = line.split()
        if int(n) in shown:
            fig.latencies.append(shown[int(n)] - float(committed))
    fig.changes = args.changes


def report(fig: Figures, info: dict[str, str], args: argparse.Namespace) -> str:
    lat = fig.latencies
    statements = sum(fig.idle_statements.values())
    lines = [
        "## Change feed: change-to-screen across processes, an idle room on a big ledger",
        "",
        f"`bench/feed.py{' --quick' if args.quick else ''}` — how it measures: bench/README.md.",
        "",
        *machine_lines(info),
        "### Figures",
        "",
        f"Ledger: {fig.tasks:,} tasks (half with a finished attempt of 2 KB output).",
        "",
        "| what | figure |",
        "|---|---|",
        f"| idle room: CPU over {fig.idle_s:.0f} s | {fig.idle_cpu_s:.2f} s"
        f" ({100 * fig.idle_cpu_s / fig.idle_s:.2f} % of one core) |",
        f"| idle room: SQL statements in that window | {statements}"
        f" ({statements / fig.idle_s:.1f}/s) |",
        f"| one totals read on this ledger (the old bridge: once a second, idle or not) |"
        f" {fmt_ms(pct(fig.totals_read_s, 50))} ms (p50 of {len(fig.totals_read_s)}) |",
        f"| change-to-screen, another process (n={len(lat)} of {fig.changes}) | p50"
        f" {fmt_ms(pct(lat, 50))} ms · p90 {fmt_ms(pct(lat, 90))} ms · p99"
        f" {fmt_ms(pct(lat, 99))} ms · max {fmt_ms(max(lat, default=float('nan')) * 1000)} ms |",
        f"| CPU while changes came ({fig.window_s:.0f} s) | {fig.window_cpu_s:.2f} s"
        f" ({100 * fig.window_cpu_s / fig.window_s:.1f} % of one core) |",
        f"| updates merged into one not yet taken (backpressure) | {fig.merged} |",
        "",
        "Statements of the idle window, by kind (both ledger connections: the room's bridge"
        " and change feed, and the orchestrator's idle passes):",
        "",
        "| statement | count |",
        "|---|---|",
        *[f"| `{k}` | {n} |" for k, n in fig.idle_statements.most_common()],
        "",
    ]
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> Figures:
    fig = Figures(tasks=args.tasks)
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        db = Path(tmp) / "ledger.db"
        await (await SqliteLedger.open(db)).close()  # the schema
        t = time.perf_counter()
        task_id = fixture(db, args.tasks)
        print(f"fixture: {time.perf_counter() - t:.1f} s", file=sys.stderr)
        await room(db, task_id, args, fig)
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of the idle window")
    parser.add_argument("--changes", type=int, default=200, help="changes by the other process")
    parser.add_argument("--tmp", type=Path, default=None, help="folder for the ledger file")
    parser.add_argument("--quick", action="store_true", help="10,000 tasks, 5 s, 50 changes")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--writer", nargs=3, metavar=("DB", "TASK", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.writer:
        db, task, n = args.writer
        asyncio.run(writer(Path(db), int(task), int(n), seed=7))
        return 0
    if args.quick:
        args.tasks, args.idle, args.changes = 10_000, 5.0, 50
    info = machine(("textual", "aiosqlite"))
    info["SQLite"] = sqlite3.sqlite_version
    fig = asyncio.run(main_async(args))
    text = report(fig, info, args)
    print(text)
    if not args.no_write:
        write_section("feed", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
