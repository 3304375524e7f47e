"""Two real ``swarm-tui run --headless`` processes on one SQLite ledger file, one provider
limited to 1 (one GPU), single and consensus tasks: the stand-in model never answers two
requests at once, whichever process (an attempt, or a consensus run's call) makes them. And
the same with the agent limited to 1 and the provider to 8 (single tasks: a consensus run's
calls are one attempt of its agent, made at once)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.crash import query, start_run
from tests.providers.loopback import LoopbackServer, Reply, sse

pytestmark = pytest.mark.slow

TASKS, CONSENSUS = 12, 2


class CountingServer(LoopbackServer):
    """The stand-in, counting the requests it is answering at once."""

    active = 0
    peak = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await super()._serve(reader, writer)
        finally:
            self.active -= 1


def _blue() -> Reply:
    chunks: list[object] = [
        {"choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": None}]}
        for _ in range(4)
    ]  # each answer takes a while (five pieces, 40 ms apart): the processes' calls overlap
    chunks.append(
        {"choices": [{"index": 0, "delta": {"content": "Blue"}, "finish_reason": "stop"}]}
    )
    chunks.append({"choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 2}})
    return Reply(pieces=sse(*chunks), drip=0.04)


def _inputs(
    tmp_path: Path, url: str, *, provider: int = 1, agent: int = 4, consensus: int = CONSENSUS
) -> tuple[Path, Path]:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[orchestrator]
poll_seconds = 0.05

[providers.gpu]
kind = "openai"
base_url = "{url}/v1"
max_concurrent = {provider}
[providers.gpu.models.m]
input_per_mtok = 1.0
output_per_mtok = 4.0

[agents.worker]
mix = {{ "gpu/m" = 1.0 }}
max_concurrent = {agent}

[consensus]
models = ["gpu/m", "gpu/m", "gpu/m"]
"""
    )
    tasks = tmp_path / "tasks.toml"
    singles = "".join(f'[[task]]\nkey = "s{i}"\nprompt = "job {i}"\n\n' for i in range(TASKS))
    votes = "".join(
        f'[[task]]\nkey = "c{i}"\nprompt = "vote {i}"\nmode = "consensus"\n\n'
        for i in range(consensus)
    )
    tasks.write_text(votes + singles)
    return config, tasks


async def test_two_processes_on_one_sqlite_ledger_keep_a_provider_limit_of_one(
    tmp_path: Path,
) -> None:
    db = tmp_path / "ledger.db"
    server = CountingServer()
    async with server:
        server.route("POST", "/v1/chat/completions", _blue())
        config, tasks = _inputs(tmp_path, server.url)
        procs = [await start_run(config, db, tasks) for _ in range(2)]
        outs = [(await p.communicate())[0].decode() for p in procs]
    for proc, out in zip(procs, outs, strict=True):
        assert proc.returncode == 0, out
    states = query(db, "SELECT state, COUNT(*) FROM tasks GROUP BY state")
    assert states == [("succeeded", TASKS + CONSENSUS)], outs
    assert server.peak == 1  # never two requests on the one GPU at once
    assert len(server.requests) >= TASKS + 3 * CONSENSUS
    assert query(db, "SELECT COUNT(*) FROM provider_slots") == [(0,)]  # all given back


async def test_two_processes_on_one_sqlite_ledger_keep_an_agent_limit_of_one(
    tmp_path: Path,
) -> None:
    db = tmp_path / "ledger.db"
    server = CountingServer()
    async with server:
        server.route("POST", "/v1/chat/completions", _blue())
        config, tasks = _inputs(tmp_path, server.url, provider=8, agent=1, consensus=0)
        procs = [await start_run(config, db, tasks) for _ in range(2)]
        outs = [(await p.communicate())[0].decode() for p in procs]
    for proc, out in zip(procs, outs, strict=True):
        assert proc.returncode == 0, out
    states = query(db, "SELECT state, COUNT(*) FROM tasks GROUP BY state")
    assert states == [("succeeded", TASKS)], outs
    assert server.peak == 1  # never two attempts of the one agent at once
    assert len(server.requests) == TASKS
