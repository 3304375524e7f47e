"""The change feed's cost on the write path, split: the writer's statements with no feed
triggers, with the triggers as they are, and with the triggers plus the per-row ``origin`` tag
the feed used before (a TEMP trigger: one UPDATE per logged change).

A fresh ledger per variant (the real migrations, WAL), and the statements the group-commit
writer runs, on its one connection: submit (a task and its event per row, 1,000 per
transaction), streamed output (one ``output || ?`` UPDATE per attempt per commit, 64 attempts),
ops (``update_task``: a SAVEPOINT, an UPDATE and an event each, 1,000 per transaction).
CPU time (``process_time``) with ``synchronous = OFF``: what the statements cost the writer's
thread, without the disk's flushes and steady on a loaded machine. Medians of ``--rounds``.

Run: ``.venv/bin/python bench/feed_cost.py [--rounds 5]`` (prints only).
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from swarm_tui.store.db import _statements
from swarm_tui.store.schema import MIGRATIONS

VARIANTS = ("no feed triggers", "feed triggers (this tree)", "feed triggers + origin tag")
ATTEMPTS = 64


def ledger(path: Path, variant: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    for migration in MIGRATIONS:
        conn.execute("BEGIN")
        for statement in _statements(migration):
            conn.execute(statement)
        conn.execute("COMMIT")
    if variant == VARIANTS[0]:
        names = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'changes%'"
        ).fetchall()
        for (name,) in names:
            conn.execute(f"DROP TRIGGER {name}")
    elif variant == VARIANTS[2]:  # as store/changes.py tagged them before
        conn.execute(
            "CREATE TEMP TRIGGER changes_origin AFTER INSERT ON main.changes"
            " BEGIN UPDATE changes SET origin = 12345 WHERE seq = NEW.seq; END"
        )
    return conn


def submit(conn: sqlite3.Connection, tasks: int) -> None:
    for start in range(0, tasks, 1000):
        conn.execute("BEGIN IMMEDIATE")
        for n in range(start, min(start + 1000, tasks)):
            task_id = conn.execute(
                """INSERT INTO tasks (title, prompt, role, priority, mode, state, tags, key,
                   created_at, updated_at)
                   VALUES (?, 'p', 'worker', 0, 'single', 'queued', '[]', NULL, 1, 1)
                   RETURNING id""",
                (f"task {n}",),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO events (ts, kind, task_id, data) VALUES (1, 'submitted', ?, '{}')",
                (task_id,),
            )
        conn.execute("COMMIT")


def output(conn: sqlite3.Connection, commits: int) -> None:
    conn.execute("BEGIN")
    for task_id in range(1, ATTEMPTS + 1):
        conn.execute(
            """INSERT INTO attempts (task_id, number, agent, provider, model, state, owner,
               lease_until, heartbeat_at, started_at)
               VALUES (?, 1, 'a', 'p', 'm', 'running', 'o', 1e12, 1, 1)""",
            (task_id,),
        )
    conn.execute("COMMIT")
    rows = [(" a few tokens", attempt) for attempt in range(1, ATTEMPTS + 1)]
    for _ in range(commits):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "UPDATE attempts SET output = output || ? WHERE id = ? AND state = 'running'", rows
        )
        conn.execute("COMMIT")


def ops(conn: sqlite3.Connection, count: int) -> None:
    for start in range(0, count, 1000):
        conn.execute("BEGIN IMMEDIATE")
        for n in range(start, min(start + 1000, count)):
            task_id = 1 + n % ATTEMPTS
            conn.execute("SAVEPOINT op")
            conn.execute(
                "UPDATE tasks SET priority = ?, updated_at = 2 WHERE id = ?", (n % 7, task_id)
            )
            conn.execute(
                "INSERT INTO events (ts, kind, task_id, data) VALUES (2, 'bench_op', ?, '{}')",
                (task_id,),
            )
            conn.execute("RELEASE op")
        conn.execute("COMMIT")


def cpu(step: Callable[[], None]) -> float:
    start = time.process_time()
    step()
    return time.process_time() - start


def one_round(tmp: Path, variant: str, args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory(dir=tmp) as folder:
        conn = ledger(Path(folder) / "ledger.db", variant)
        with contextlib.closing(conn):
            return {
                f"submit {args.tasks:,} tasks": cpu(lambda: submit(conn, args.tasks)),
                f"output, {args.commits:,} commits x {ATTEMPTS}": cpu(
                    lambda: output(conn, args.commits)
                ),
                f"{args.ops:,} ops": cpu(lambda: ops(conn, args.ops)),
            }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--commits", type=int, default=2_000)
    parser.add_argument("--ops", type=int, default=10_000)
    parser.add_argument("--tmp", type=Path, default=None, help="folder for the ledger files")
    args = parser.parse_args(argv)
    runs: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="swarm-feed-cost-", dir=args.tmp) as tmp:
        for _ in range(args.rounds):
            for variant in VARIANTS:  # interleaved: a burst of load hits all alike
                runs[variant].append(one_round(Path(tmp), variant, args))
    steps = list(runs[VARIANTS[0]][0])
    base = {s: statistics.median(r[s] for r in runs[VARIANTS[0]]) for s in steps}
    print(f"| writer's CPU, median of {args.rounds} (ms) | " + " | ".join(steps) + " |")
    print("|---|" + "---|" * len(steps))
    for variant in VARIANTS:
        cells = []
        for step in steps:
            value = statistics.median(r[step] for r in runs[variant])
            extra = "" if variant == VARIANTS[0] else f" (+{value / base[step] - 1:.0%})"
            cells.append(f"{value * 1e3:,.0f}{extra}")
        print(f"| {variant} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
