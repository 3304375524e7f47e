"""An attached room: change-to-screen across processes through a service, and the room's idle
CPU on a big ledger.

1. Fixture: as bench/feed.py has it (``--tasks`` finished tasks, half with 2 KB of output as
   bench/scale.py writes them, and one paused task that another process will change).
2. The service: a process of its own (this script, ``--service DB``) runs what ``swarm-tui up``
   runs: an orchestrator on the ledger with the change feed on (50 ms) and the service's Unix
   socket (``ServiceServer``); its provider hangs (nothing runs: the queue is paused work).
3. The room: this process, ``make_app`` around a ``ServiceClient`` attached to that socket (no
   orchestrator, no ledger opened here), headless at 120x40, as plain ``swarm-tui`` opens it
   when the service is up.
4. Idle: ``--idle`` seconds with nothing changing: CPU of the room (``process_time``) and of
   the service (``psutil``), each as a share of one core, and the requests the room sent.
5. Latency: a third process (this script, ``--writer``) changes the paused task's priority
   ``--changes`` times at random 50-150 ms gaps through the ledger's write path and prints each
   commit's wall time. The room records the first frame it renders once its row holds the new
   priority. The path: commit -> the service's change feed (50 ms poll) -> its bus -> the
   socket -> the room's bus -> the bridge's flush (50 ms) -> ``tasks_by_id`` over the socket ->
   the app -> the next frame.

Run: ``.venv/bin/python bench/attach.py [--tasks 100000] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from common import fmt_ms, machine, machine_lines, pct, write_section
from feed import fixture, writer  # the same ledger and writer as the in-process room's bench
from rich.console import RenderableType
from scale import HangingProvider, settings
from textual.screen import Screen

from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.runtime import change_feed
from swarm_tui.service.client import ServiceClient
from swarm_tui.service.paths import ServicePaths
from swarm_tui.service.server import ServiceServer
from swarm_tui.store.ledger import SqliteLedger
from swarm_tui.tui.app import make_app
from swarm_tui.tui.widgets.task_table import TaskTable


@dataclass
class Figures:
    tasks: int = 0
    idle_s: float = 0.0
    room_cpu_s: float = 0.0
    service_cpu_s: float = 0.0
    idle_requests: int = 0
    latencies: list[float] = field(default_factory=list)
    changes: int = 0
    window_s: float = 0.0
    window_cpu_s: float = 0.0


async def service(db: Path) -> None:
    """``swarm-tui up`` in essence, with a provider that never answers; until SIGTERM."""
    s = settings()
    ledger = await SqliteLedger.open(db)
    orch = Orchestrator(s, ledger, {"bench": HangingProvider()})  # type: ignore[dict-item]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    server = ServiceServer(orch, ServicePaths(db), on_shutdown=stop.set)
    try:
        async with change_feed(orch, s.ui.stream_flush_ms / 1000):
            await orch.start()
            await server.start()
            runner = asyncio.create_task(orch.run())
            print("up", flush=True)
            await stop.wait()
            await server.stop_listening()
            await orch.stop()
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            await server.close()
    finally:
        await ledger.close()


async def room(db: Path, task_id: int, args: argparse.Namespace, fig: Figures) -> None:
    up = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--service", str(db), stdout=asyncio.subprocess.PIPE
    )
    assert up.stdout is not None
    assert (await up.stdout.readline()).strip() == b"up"
    served = psutil.Process(up.pid)
    client = await ServiceClient.connect(db)
    sent = 0
    call = client.call

    async def counted(name: str, /, **kwargs: Any) -> Any:
        nonlocal sent
        sent += 1
        return await call(name, **kwargs)

    client.call = counted  # type: ignore[method-assign]
    shown: dict[int, float] = {}
    all_shown = asyncio.Event()
    try:
        app = make_app(settings(), client)
        await client.subscribe(interactive=True)
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
            await asyncio.sleep(3.0)  # the first reads and frames done
            sent0, cpu0, wall0 = sent, time.process_time(), time.perf_counter()
            svc0 = served.cpu_times()
            await asyncio.sleep(args.idle)
            svc1 = served.cpu_times()
            fig.room_cpu_s = time.process_time() - cpu0
            fig.idle_s = time.perf_counter() - wall0
            fig.service_cpu_s = (svc1.user + svc1.system) - (svc0.user + svc0.system)
            fig.idle_requests = sent - sent0

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
    finally:
        await client.close()
        up.terminate()
        await up.wait()
    for line in out.decode().splitlines():
        n, committed = line.split()
        if int(n) in shown:
            fig.latencies.append(shown[int(n)] - float(committed))
    fig.changes = args.changes


def report(fig: Figures, info: dict[str, str], args: argparse.Namespace) -> str:
    lat = fig.latencies
    share = 100 / fig.idle_s if fig.idle_s else float("nan")
    lines = [
        "## Attached room: change-to-screen through a service, an idle attached room",
        "",
        f"`bench/attach.py{' --quick' if args.quick else ''}` — how it measures: bench/README.md.",
        "",
        *machine_lines(info),
        "### Figures",
        "",
        f"Ledger: {fig.tasks:,} tasks (half with a finished attempt of 2 KB output). Three"
        " processes: the service, the attached room, the writer.",
        "",
        "| what | figure |",
        "|---|---|",
        f"| idle attached room: CPU over {fig.idle_s:.0f} s | {fig.room_cpu_s:.2f} s"
        f" ({fig.room_cpu_s * share:.2f} % of one core) |",
        f"| the service meanwhile | {fig.service_cpu_s:.2f} s"
        f" ({fig.service_cpu_s * share:.2f} % of one core) |",
        f"| requests the idle room sent | {fig.idle_requests}"
        f" ({fig.idle_requests / fig.idle_s:.1f}/s) |",
        f"| change-to-screen, writer → service → room (n={len(lat)} of {fig.changes}) | p50"
        f" {fmt_ms(pct(lat, 50))} ms · p90 {fmt_ms(pct(lat, 90))} ms · p99"
        f" {fmt_ms(pct(lat, 99))} ms · max {fmt_ms(max(lat, default=float('nan')) * 1000)} ms |",
        f"| room CPU while changes came ({fig.window_s:.0f} s) | {fig.window_cpu_s:.2f} s"
        f" ({100 * fig.window_cpu_s / fig.window_s:.1f} % of one core) |",
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
    parser.add_argument("--service", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--writer", nargs=3, metavar=("DB", "TASK", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.writer:
        db, task, n = args.writer
        asyncio.run(writer(Path(db), int(task), int(n), seed=7))
        return 0
    if args.service:
        asyncio.run(service(args.service))
        return 0
    if args.quick:
        args.tasks, args.idle, args.changes = 10_000, 5.0, 50
    info = machine(("textual", "aiosqlite"))
    info["SQLite"] = sqlite3.sqlite_version
    fig = asyncio.run(main_async(args))
    text = report(fig, info, args)
    print(text)
    if not args.no_write:
        write_section("attach", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
