"""The command line as a user runs it: real subprocesses, real ledger files."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.crash import query
from tests.providers.loopback import LoopbackServer, Reply, json_reply, sse

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No user config and no stray settings leak into the commands under test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SWARM_TUI_CONFIG", raising=False)
    monkeypatch.delenv("SWARM_TUI_DB", raising=False)
    return dict(os.environ)


def swarm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "swarm_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )


def assert_user_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr


def test_submit_then_status_json(tmp_path: Path, env: dict[str, str]) -> None:
    db = str(tmp_path / "l.db")
    first = swarm("submit", "Write a haiku", "--db", db, "--priority", "3", "--key", "h", env=env)
    assert first.returncode == 0, first.stderr
    assert "submitted task #1" in first.stdout
    again = swarm("--db", db, "submit", "Write a haiku", "--key", "h", env=env)
    assert "already in the ledger" in again.stdout
    second = swarm("submit", "Review it", "--after", "1", "--db", db, "--json", env=env)
    assert json.loads(second.stdout)["after"] == [1]
    status = swarm("status", "--json", "--db", db, env=env)
    data = json.loads(status.stdout)
    assert [t["title"] for t in data["tasks"]] == ["Write a haiku", "Review it"]
    first_task = data["tasks"][0]
    for key in (
        "id",
        "title",
        "state",
        "role",
        "agent",
        "provider",
        "model",
        "tokens_in",
        "tokens_out",
        "cost_usd",
        "attempts",
    ):
        assert key in first_task
    assert first_task["state"] == "queued" and first_task["role"] == "generalist"
    assert data["totals"]["tasks"] == 2 and data["totals"]["by_state"] == {"queued": 2}


def test_rejected_commands_leave_the_ledger_untouched(tmp_path: Path, env: dict[str, str]) -> None:
    db = tmp_path / "l.db"
    assert swarm("submit", "one", "--db", str(db), env=env).returncode == 0
    before = query(db, "SELECT * FROM tasks")
    assert_user_error(
        swarm("submit", "x", "--role", "nobody", "--db", str(db), env=env), "unknown role 'nobody'"
    )
    assert_user_error(
        swarm("submit", "x", "--after", "99", "--db", str(db), env=env), "#99", "no such task"
    )
    assert_user_error(
        swarm("submit", "x", "--priority", "high", "--db", str(db), env=env), "invalid int value"
    )
    cyclic = tmp_path / "cyclic.toml"
    cyclic.write_text(
        '[[task]]\nkey="a"\nprompt="a"\nafter=["b"]\n\n[[task]]\nkey="b"\nprompt="b"\nafter=["a"]\n'
    )
    assert_user_error(
        swarm("run", "--headless", "--tasks", str(cyclic), "--db", str(db), env=env),
        "dependency cycle",
        "cyclic.toml:1",
        "cyclic.toml:6",
    )
    broken = tmp_path / "broken.toml"
    broken.write_text('[[task]]\nprompt = "ok"\npriority = "high"\n')
    assert_user_error(
        swarm("run", "--headless", "--tasks", str(broken), "--db", str(db), env=env),
        "broken.toml:1",
        "priority must be an integer",
    )
    assert query(db, "SELECT * FROM tasks") == before
    assert query(db, "PRAGMA integrity_check") == [("ok",)]


def test_broken_config_is_one_clear_message(tmp_path: Path, env: dict[str, str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[providers.p]\nkind = "openai"\nbase_url = "http://x/v1"\n[providers.p.models.m]\n\n'
        '[agents.a]\nmix = { "p/m" = 0 }\n'
    )
    result = swarm("--config", str(config), "status", env=env)
    assert_user_error(result, str(config), "line 7", "agents.a.mix", "must be > 0")
    assert_user_error(swarm("config", "check", str(config), env=env), "must be > 0")
    ok = swarm("config", "check", "config.toml.example", env=env)
    assert ok.returncode == 0 and "10 agents" in ok.stdout


def test_status_without_a_ledger_says_so(tmp_path: Path, env: dict[str, str]) -> None:
    assert_user_error(
        swarm("status", "--db", str(tmp_path / "none.db"), env=env), "no ledger here yet"
    )


def _drip_config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[providers.drip]\nkind = "openai"\nbase_url = "{url}/v1"\n'
        '[providers.drip.models.m]\n\n[agents.worker]\nmix = { "drip/m" = 1.0 }\n'
        "[orchestrator]\npoll_seconds = 0.2\n"
    )
    return config


async def test_submit_from_another_process_reaches_a_running_orchestrator_then_sigterm(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "l.db"
    chunks = [{"choices": [{"index": 0, "delta": {"content": "done"}, "finish_reason": "stop"}]}]
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", Reply(pieces=sse(*chunks)))
        config = _drip_config(tmp_path, server.url)
        run = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "swarm_tui",
            "--config",
            str(config),
            "--db",
            str(db),
            "run",
            "--headless",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
        )
        submit = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "swarm_tui",
            "--config",
            str(config),
            "--db",
            str(db),
            "submit",
            "from outside",
            env=env,
            stdout=asyncio.subprocess.PIPE,
        )
        assert await submit.wait() == 0
        async with asyncio.timeout(60):
            while query(db, "SELECT state FROM tasks") != [("succeeded",)]:
                await asyncio.sleep(0.05)
        run.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(run.communicate(), 60)
    assert run.returncode == 0, out.decode()
    assert "done: 1 succeeded" in out.decode()
    assert "HTTP Request" not in out.decode()  # libraries' INFO chatter stays off stderr
    assert query(db, "SELECT result FROM tasks") == [("done",)]


async def test_doctor_reports_reachable_provider_and_missing_key(
    tmp_path: Path, env: dict[str, str]
) -> None:
    async with LoopbackServer() as server:
        server.route("GET", "/v1/models", json_reply(200, {"data": [{"id": "m"}]}))
        config = _drip_config(tmp_path, server.url)
        ok = await asyncio.to_thread(
            swarm, "--config", str(config), "--db", str(tmp_path / "l.db"), "doctor", env=env
        )
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert f"[ok] drip (openai): GET {server.url}/v1/models: HTTP 200" in ok.stdout
        text = config.read_text().replace(
            'kind = "openai"', 'kind = "openai"\napi_key_env = "NO_SUCH_KEY_VAR"'
        )
        config.write_text(text)
        bad = await asyncio.to_thread(
            swarm, "--config", str(config), "--db", str(tmp_path / "l.db"), "doctor", env=env
        )
    assert bad.returncode == 1
    assert "$NO_SUCH_KEY_VAR NOT set" in bad.stdout


@pytest.mark.llama
def test_headless_run_of_five_tasks_on_the_embedded_model(
    tmp_path: Path, env: dict[str, str]
) -> None:
    pytest.importorskip("llama_cpp", reason="needs the 'local' extra (make setup)")
    db = str(tmp_path / "l.db")
    run = swarm(
        "run", "--headless", "--tasks", "examples/tasks.toml", "--until-idle", "--db", db, env=env
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(swarm("status", "--json", "--db", db, env=env).stdout)
    assert len(data["tasks"]) == 5
    for task in data["tasks"]:
        assert task["state"] == "succeeded"
        assert task["provider"] == "local" and task["model"] == "smollm2"
        assert task["tokens_in"] > 0 and task["tokens_out"] > 0
    usage = query(Path(db), "SELECT DISTINCT usage_source FROM attempts")
    assert usage == [("counted",)]


def test_hw_json_prints_a_valid_sample(env: dict[str, str]) -> None:
    result = swarm("hw", "--json", "--ollama", "http://127.0.0.1:9", env=env)
    assert result.returncode == 0, result.stderr
    sample = json.loads(result.stdout)
    assert sample["host"]["cores"] >= 1
    assert sample["host"]["mem_total_bytes"] > 0
    assert sample["gpu"]["available"] is False and "NVIDIA" in sample["gpu"]["reason"]
    assert sample["ollama"]["reachable"] is False
