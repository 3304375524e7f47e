"""Crash campaign: SIGKILL a real headless run at random moments, restart it, check the ledger.

Used by the test suite (about 20 kills) and by ``make crash-campaign KILLS=N`` for a longer
run. Providers are protocol-faithful loopback OpenAI-compatible servers that drip tokens, so
kills land while streaming, between tasks, during group commits and during start-up.

    python -m tests.reliability.campaign --kills 200 --seed 7
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.crash import check_invariants, query, start_run
from tests.providers.loopback import LoopbackServer, Recorded, Reply, sse

TOKENS = [f"w{i} " for i in range(24)]


@dataclass
class Figures:
    seed: int
    kills: int = 0
    kills_mid_stream: int = 0
    tool_calls: int = 0
    restarts: int = 0
    tasks: int = 0
    abandoned_attempts: int = 0
    done_before_kills: int = 0
    lost: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"seed {self.seed}: {self.kills} kills ({self.kills_mid_stream} mid-stream),"
            f" {self.restarts} restarts, {self.tasks} tasks ({self.tool_calls} tool calls),"
            f" {self.abandoned_attempts} attempts"
            f" abandoned and re-run, {self.done_before_kills} results reported before a kill"
            f" kept unchanged, items lost: {self.lost}"
        )


def _tool_call(key: str) -> Reply:
    """A turn that asks for the swarm's ``write_memory`` tool (kills land in tool calls too)."""
    call = {
        "index": 0,
        "id": f"call-{key}",
        "type": "function",
        "function": {
            "name": "swarm__write_memory",
            "arguments": json.dumps({"memory_name": f"campaign/{key}", "content": "seen"}),
        },
    }
    return Reply(
        pieces=sse(
            {"choices": [{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": None}]},
            {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
            {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 3}},
        ),
        drip=0.05,
    )


def _answer(request: Recorded) -> Reply:
    """Tooler tasks call a tool first; every other turn streams the answer."""
    body = request.json()
    messages = body.get("messages")
    tools = [t.get("function", {}).get("name") for t in body.get("tools") or []]
    answered = isinstance(messages, list) and any(m.get("role") == "tool" for m in messages)
    if "swarm__write_memory" in tools and not answered and isinstance(messages, list):
        prompt = str(messages[-1].get("content", ""))
        return _tool_call(prompt.rsplit(" ", 1)[-1])
    return _reply()


def _reply() -> Reply:
    chunks: list[object] = [
        {"choices": [{"index": 0, "delta": {"content": t}, "finish_reason": None}]} for t in TOKENS
    ]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    chunks.append({"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": len(TOKENS)}})
    return Reply(pieces=sse(*chunks), drip=0.01)


def write_tasks(path: Path, tasks: int, batch: int) -> None:
    """``tasks`` tasks keyed ``b<batch>-t<i>``; every third is a reviewer after the one before;
    every fourth is a consensus task (three answers, so kills land in consensus runs too)."""
    lines = []
    for i in range(tasks):
        key = f"b{batch}-t{i}"
        role = "reviewer" if i % 3 == 2 else "tooler" if i % 5 == 4 else "writer"
        after = f'after = ["b{batch}-t{i - 1}"]\n' if i % 3 == 2 else ""
        mode = 'mode = "consensus"\n' if i % 4 == 3 else ""
        lines.append(
            f'[[task]]\nkey = "{key}"\nrole = "{role}"\nprompt = "job {key}"\n{after}{mode}\n'
        )
    path.write_text("".join(lines))


def write_config(folder: Path, url: str) -> Path:
    config = folder / "config.toml"
    config.write_text(
        f"""
[providers.a]
kind = "openai"
base_url = "{url}/v1"
max_concurrent = 2
[providers.a.models.m]
output_per_mtok = 2.0
[providers.b]
kind = "openai"
base_url = "{url}/v1"
max_concurrent = 2
[providers.b.models.m]
output_per_mtok = 1.0

[agents.writer]
mix = {{ "a/m" = 2.0, "b/m" = 1.0 }}
max_concurrent = 3
[agents.reviewer]
mix = {{ "b/m" = 1.0 }}
max_concurrent = 1
[agents.tooler]
mix = {{ "a/m" = 1.0 }}
max_concurrent = 2
mcp_servers = ["swarm"]

[mcp.policies]
"swarm__write_memory" = "auto"

[orchestrator]
max_concurrent = 4
poll_seconds = 0.2
# The kills come from outside, not from the tasks: never hold one as a poison task (that is
# tested in tests/e2e/test_poison_task.py).
max_abandoned = 1000
"""
    )
    return config


async def run_campaign(kills: int, seed: int, folder: Path, tasks: int = 12) -> Figures:
    rng = random.Random(seed)
    figures = Figures(seed=seed, tasks=tasks)
    db = folder / "ledger.db"
    async with LoopbackServer() as server:
        server.choose("POST", "/v1/chat/completions", _answer)
        config = write_config(folder, server.url)
        task_file = folder / "tasks.toml"
        batch = 0
        write_tasks(task_file, tasks, batch)
        done: dict[int, str] = {}
        while figures.kills < kills:
            proc = await start_run(config, db, task_file)
            figures.restarts += 1
            if rng.random() < 0.8:  # most kills once the run works (start-up alone is ~1-2 s)
                await _until_working(proc, db)
                deadline = time.monotonic() + rng.uniform(0.0, 1.0)
            else:  # the rest at any moment of the start-up
                deadline = time.monotonic() + rng.uniform(0.05, 1.5)
            while proc.returncode is None and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            if proc.returncode is not None:  # it finished every task: start a fresh batch
                await proc.wait()
                figures.notes.append("a run finished before its kill: a new batch was submitted")
                _check_kept(db, done, figures)
                batch += 1
                write_tasks(task_file, tasks, batch)
                continue
            proc.kill()
            await proc.wait()
            # Counted after the kill: what it left streaming is frozen now (re-run on restart).
            mid = query(db, "SELECT COUNT(*) FROM attempts WHERE state='running' AND output != ''")
            figures.kills += 1
            figures.kills_mid_stream += bool(mid and mid[0][0])
            for task_id, result in query(
                db, "SELECT id, result FROM tasks WHERE state='succeeded'"
            ):
                done.setdefault(int(task_id), str(result))  # type: ignore[call-overload]
            _check_kept(db, done, figures)
        proc = await start_run(config, db, task_file)
        out, _ = await asyncio.wait_for(proc.communicate(), 300)
        if proc.returncode != 0:
            raise AssertionError(f"final run failed:\n{out.decode()}")
    total = int(query(db, "SELECT COUNT(*) FROM tasks")[0][0])  # type: ignore[call-overload]
    results = check_invariants(db, total)
    expected = "".join(TOKENS)
    figures.lost += sum(1 for r in results.values() if r != expected)
    _check_kept(db, done, figures)
    figures.tasks = total
    figures.done_before_kills = len(done)
    figures.tool_calls = int(query(db, "SELECT COUNT(*) FROM tool_calls")[0][0])  # type: ignore[call-overload]
    figures.abandoned_attempts = int(
        query(db, "SELECT COUNT(*) FROM attempts WHERE state='abandoned'")[0][0]  # type: ignore[call-overload]
    )
    return figures


async def _until_working(proc: asyncio.subprocess.Process, db: Path) -> None:
    """Wait (at most 30 s) until the run has an attempt of its own running, or has ended."""
    limit = time.monotonic() + 30
    while proc.returncode is None and time.monotonic() < limit:
        if db.exists():
            with contextlib.suppress(sqlite3.Error):
                mine = f"%:{proc.pid}:%"
                sql = "SELECT 1 FROM attempts WHERE state='running' AND owner LIKE ?"
                if query(db, sql, (mine,)):
                    return
        await asyncio.sleep(0.005)


def _check_kept(db: Path, done: dict[int, str], figures: Figures) -> None:
    """Every result reported done before a kill is still there, unchanged."""
    now = dict(query(db, "SELECT id, result FROM tasks WHERE state='succeeded'"))
    for task_id, result in done.items():
        if now.get(task_id) != result:
            figures.lost += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--tasks", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="swarm-crash-") as tmp:
        figures = asyncio.run(run_campaign(args.kills, args.seed, Path(tmp), args.tasks))
    print(figures.line())
    return 1 if figures.lost else 0


if __name__ == "__main__":
    sys.exit(main())
