"""A headless run whose primary model fails for good finishes on the fallback, and the ledger
says why for every attempt. Real CLI process, real ledger, loopback HTTP servers speaking the
documented wire formats (Anthropic as the primary, an OpenAI-compatible server as fallback)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from tests.e2e.crash import query
from tests.providers.loopback import LoopbackServer, Reply, json_reply, sse

pytestmark = pytest.mark.slow

FAKE_KEY = "sk-ant-e2e-fake-key-0123456789abcdef"


def _fallback_stream() -> Reply:
    chunks: list[object] = [
        {"choices": [{"index": 0, "delta": {"content": t}, "finish_reason": None}]}
        for t in ("fine ", "answer")
    ]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    chunks.append({"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2}})
    return Reply(pieces=sse(*chunks))


_TUNING = """
[orchestrator]
max_attempts = 4

[retry]
base_seconds = 0.01
cap_seconds = 0.05

[breaker]
failures = 2
cooldown_seconds = 3600.0
"""


def _inputs(
    tmp_path: Path, primary: str, fallback: str, count: int, *, defaults: bool = False
) -> tuple[Path, Path]:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[providers.claude]
kind = "anthropic"
base_url = "{primary}"
api_key_env = "E2E_ANTHROPIC_KEY"
[providers.claude.models.claude-haiku-4-5]
input_per_mtok = 1.0
output_per_mtok = 5.0

[providers.backup]
kind = "openai"
base_url = "{fallback}/v1"
[providers.backup.models.m]
input_per_mtok = 0.5
output_per_mtok = 1.0

[agents.worker]
mix = {{ "claude/claude-haiku-4-5" = 1.0 }}
fallback = ["backup/m"]
max_concurrent = 1
"""
        + ("" if defaults else _TUNING)
    )
    tasks = tmp_path / "tasks.toml"
    tasks.write_text(
        "".join(f'[[task]]\nkey = "k{i}"\nprompt = "job {i}"\n\n' for i in range(count))
    )
    return config, tasks


async def _run(config: Path, db: Path, tasks: Path) -> tuple[int, str]:
    env = {"E2E_ANTHROPIC_KEY": FAKE_KEY, "PATH": "/usr/bin:/bin", "HOME": str(db.parent)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "swarm_tui",
        "--config",
        str(config),
        "--db",
        str(db),
        "run",
        "--headless",
        "--until-idle",
        "--tasks",
        str(tasks),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    _, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, err.decode()


def _attempts(db: Path) -> list[tuple[object, ...]]:
    return query(
        db,
        "SELECT task_id, number, provider, model, state, error, routing_reason FROM attempts"
        " ORDER BY task_id, number",
    )


async def test_primary_with_a_bad_key_falls_back_and_the_ledger_says_why(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    async with LoopbackServer() as primary, LoopbackServer() as backup:
        auth = {
            "type": "error",
            "error": {"type": "authentication_error", "message": "invalid x-api-key"},
        }
        primary.route("POST", "/v1/messages", json_reply(401, auth))
        backup.route("POST", "/v1/chat/completions", _fallback_stream())
        config, tasks = _inputs(tmp_path, primary.url, backup.url, 2)
        code, log = await _run(config, db, tasks)
    assert code == 0, log
    states = query(db, "SELECT id, state, result FROM tasks ORDER BY id")
    assert states == [(1, "succeeded", "fine answer"), (2, "succeeded", "fine answer")]
    rows = _attempts(db)
    # Task 1 meets the bad key, then falls back; the 401 opened the breaker at once, so
    # task 2 never tries the primary: its routing reason says the breaker is open.
    first, second = rows[0], rows[1]
    assert first[2:5] == ("claude", "claude-haiku-4-5", "failed")
    assert "HTTP 401" in str(first[5]) and FAKE_KEY not in str(first[5])
    assert second[2:5] == ("backup", "m", "succeeded")
    assert "fallback from claude/claude-haiku-4-5 (auth failed (HTTP 401)) to backup/m" in str(
        second[6]
    )
    task2 = [r for r in rows if r[0] == 2]
    assert len(task2) == 1 and task2[0][2] == "backup"
    assert "claude/claude-haiku-4-5 breaker open" in str(task2[0][6])
    assert len(primary.requests) == 1
    kinds = [r[0] for r in query(db, "SELECT kind FROM events ORDER BY id")]
    assert "fallback_used" in kinds and "breaker_changed" in kinds
    breaker = query(db, "SELECT data FROM events WHERE kind = 'breaker_changed'")
    assert json.loads(str(breaker[0][0]))["state"] == "open"
    assert "fallback from claude" in log and "breaker" in log
    assert FAKE_KEY not in log
    everything = "\n".join(str(v) for row in query(db, "SELECT * FROM events") for v in row)
    assert FAKE_KEY not in everything


async def test_primary_that_keeps_answering_503_retries_then_falls_back(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    async with LoopbackServer() as primary, LoopbackServer() as backup:
        busy = {"type": "error", "error": {"type": "api_error", "message": "unavailable"}}
        primary.route("POST", "/v1/messages", json_reply(503, busy, {"retry-after": "0"}))
        backup.route("POST", "/v1/chat/completions", _fallback_stream())
        config, tasks = _inputs(tmp_path, primary.url, backup.url, 1)
        code, log = await _run(config, db, tasks)
    assert code == 0, log
    rows = _attempts(db)
    assert [(r[2], r[4]) for r in rows] == [
        ("claude", "failed"),
        ("claude", "failed"),
        ("backup", "succeeded"),
    ]
    assert all("HTTP 503" in str(r[5]) for r in rows[:2])
    assert "retry 2 after claude/claude-haiku-4-5 server error (HTTP 503)" in str(rows[1][6])
    assert "fallback from claude/claude-haiku-4-5 (its breaker is open) to backup/m" in str(
        rows[2][6]
    )
    kinds = [r[0] for r in query(db, "SELECT kind FROM events ORDER BY id")]
    assert kinds.count("retry_scheduled") == 1 and kinds.count("fallback_used") == 1


async def test_with_the_default_settings_a_primary_that_always_fails_reaches_its_fallback(
    tmp_path: Path,
) -> None:
    """No [orchestrator], [retry] or [breaker] section: the defaults (3 attempts per model, a
    breaker opening on the 3rd failure) must still leave room for the listed fallback."""
    db = tmp_path / "ledger.db"
    async with LoopbackServer() as primary, LoopbackServer() as backup:
        broken = {"type": "error", "error": {"type": "api_error", "message": "internal"}}
        primary.route("POST", "/v1/messages", json_reply(500, broken))
        backup.route("POST", "/v1/chat/completions", _fallback_stream())
        config, tasks = _inputs(tmp_path, primary.url, backup.url, 1, defaults=True)
        code, log = await _run(config, db, tasks)
    assert "[orchestrator]" not in config.read_text() and "[breaker]" not in config.read_text()
    assert code == 0, log
    assert query(db, "SELECT state, result FROM tasks") == [("succeeded", "fine answer")]
    rows = _attempts(db)
    assert [(r[2], r[4]) for r in rows] == [
        ("claude", "failed"),
        ("claude", "failed"),
        ("claude", "failed"),
        ("backup", "succeeded"),
    ]
    assert len(primary.requests) == 3
    assert "fallback from claude/claude-haiku-4-5" in str(rows[3][6]) and "to backup/m" in str(
        rows[3][6]
    )


async def test_stream_cut_midway_keeps_partial_output_and_a_new_attempt_finishes(
    tmp_path: Path,
) -> None:
    db = tmp_path / "ledger.db"
    start = {
        "type": "message_start",
        "message": {
            "id": "m",
            "role": "assistant",
            "content": [],
            "model": "x",
            "usage": {"input_tokens": 3},
        },
    }
    block = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "text", "text": ""},
    }
    delta = {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": "partial "},
    }
    pieces = [
        f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in (start, block, delta)
    ]
    async with LoopbackServer() as primary, LoopbackServer() as backup:
        primary.route("POST", "/v1/messages", Reply(pieces=pieces, cut=True))
        backup.route("POST", "/v1/chat/completions", _fallback_stream())
        config, tasks = _inputs(tmp_path, primary.url, backup.url, 1)
        config.write_text(config.read_text().replace("failures = 2", "failures = 1"))
        code, log = await _run(config, db, tasks)
    assert code == 0, log
    outputs = query(db, "SELECT number, state, output, error FROM attempts ORDER BY number")
    assert outputs[0][:3] == (1, "failed", "partial ")
    assert "stream cut" in str(outputs[0][3])
    assert outputs[-1][1:3] == ("succeeded", "fine answer")
