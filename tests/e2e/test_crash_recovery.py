"""SIGKILL a headless run mid-stream, restart it, and every task ends exactly once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.crash import check_invariants, kill_mid_stream, query, start_run
from tests.providers.loopback import LoopbackServer, Reply, sse

pytestmark = pytest.mark.slow

TOKENS = [f"t{i} " for i in range(30)]


def _stream() -> Reply:
    chunks: list[object] = [
        {"choices": [{"index": 0, "delta": {"content": t}, "finish_reason": None}]} for t in TOKENS
    ]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    chunks.append({"choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 30}})
    return Reply(pieces=sse(*chunks), drip=0.03)


def _write_inputs(tmp_path: Path, url: str, count: int) -> tuple[Path, Path]:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[providers.drip]
kind = "openai"
base_url = "{url}/v1"
max_concurrent = 2
[providers.drip.models.m]
input_per_mtok = 1.0
output_per_mtok = 4.0

[agents.worker]
mix = {{ "drip/m" = 1.0 }}
max_concurrent = 2
"""
    )
    tasks = tmp_path / "tasks.toml"
    tasks.write_text(
        "".join(f'[[task]]\nkey = "k{i}"\nprompt = "job {i}"\n\n' for i in range(count))
    )
    return config, tasks


async def test_sigkill_mid_stream_restart_every_task_ends_once(tmp_path: Path) -> None:
    count, kills = 6, 3
    db = tmp_path / "ledger.db"
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", _stream())
        config, tasks = _write_inputs(tmp_path, server.url, count)
        done_before: dict[int, str] = {}
        killed = 0
        for _ in range(kills):
            proc = await start_run(config, db, tasks)
            killed += await asyncio.wait_for(kill_mid_stream(proc, db), 120)
            for task_id, result in query(
                db, "SELECT id, result FROM tasks WHERE state='succeeded'"
            ):
                done_before[int(task_id)] = str(result)  # type: ignore[call-overload]
        assert killed == kills
        abandoned = query(db, "SELECT output FROM attempts WHERE state='abandoned'")
        assert len(abandoned) >= kills and all(o != "" for (o,) in abandoned[:1])
        proc = await start_run(config, db, tasks)
        out, _ = await asyncio.wait_for(proc.communicate(), 120)
        assert proc.returncode == 0, out.decode()
    results = check_invariants(db, count)
    assert all(results[i] == "".join(TOKENS) for i in results)
    for task_id, result in done_before.items():
        assert results[task_id] == result  # nothing reported done was lost or rewritten
    partial = query(db, "SELECT output FROM attempts WHERE state='abandoned'")
    assert all("".join(TOKENS).startswith(str(o)) for (o,) in partial)


@pytest.mark.llama
async def test_sigkill_on_the_embedded_model_then_restart(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp", reason="needs the 'local' extra (make setup)")
    db = tmp_path / "ledger.db"
    tasks = tmp_path / "tasks.toml"
    tasks.write_text(
        "".join(f'[[task]]\nkey = "k{i}"\nprompt = "Count to {i + 5}."\n\n' for i in range(3))
    )
    proc = await start_run(None, db, tasks)
    assert await asyncio.wait_for(kill_mid_stream(proc, db), 300)
    proc = await start_run(None, db, tasks)
    out, _ = await asyncio.wait_for(proc.communicate(), 300)
    assert proc.returncode == 0, out.decode()
    check_invariants(db, 3)
    counted = query(
        db, "SELECT tokens_in, tokens_out, usage_source FROM attempts WHERE state='succeeded'"
    )
    assert all(i > 0 and o > 0 and s == "counted" for i, o, s in counted)  # type: ignore[operator]
