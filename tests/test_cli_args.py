"""Command-line arguments as users get them wrong or pipe them: ``--tasks`` where nothing is
submitted, text that is not UTF-8, output cut short by ``| head``, a config of one setting."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.crash import query
from tests.providers.loopback import LoopbackServer, Reply, sse
from tests.test_cli import _drip_config, assert_user_error, env, swarm

__all__ = ["env"]

pytestmark = pytest.mark.slow

TASKS = '[[task]]\nprompt = "from the file"\n'


def test_tasks_before_a_command_that_does_not_submit_is_refused(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db, tasks = tmp_path / "l.db", tmp_path / "t.toml"
    tasks.write_text(TASKS)
    assert swarm("submit", "one", "--db", str(db), env=env).returncode == 0
    for command in (["status"], ["report"], ["decide"], ["submit", "x"], ["doctor"]):
        result = swarm("--tasks", str(tasks), *command, "--db", str(db), env=env)
        assert_user_error(result, f"--tasks {tasks}: `{command[0]}` does not submit tasks")
    assert query(db, "SELECT title FROM tasks") == [("one",)]


async def test_tasks_before_run_is_applied(tmp_path: Path, env: dict[str, str]) -> None:
    db, tasks = tmp_path / "l.db", tmp_path / "t.toml"
    tasks.write_text(TASKS)
    chunks = [{"choices": [{"index": 0, "delta": {"content": "done"}, "finish_reason": "stop"}]}]
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", Reply(pieces=sse(*chunks)))
        config = _drip_config(tmp_path, server.url)
        common = ("--config", str(config), "--db", str(db))
        run = await asyncio.to_thread(
            swarm, "--tasks", str(tasks), "run", "--headless", "--until-idle", *common, env=env
        )
    assert run.returncode == 0, run.stderr
    assert f"{tasks}: 1 task(s) submitted" in run.stderr
    assert query(db, "SELECT title, state, result FROM tasks") == [
        ("from the file", "succeeded", "done")
    ]
    both = swarm(
        "--tasks", str(tasks), "run", "--headless", "--tasks", str(tmp_path / "other.toml"),
        *common, env=env,
    )  # fmt: skip
    assert_user_error(both, "--tasks given twice")


def test_a_prompt_that_is_not_utf8_is_one_clear_message(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "l.db"
    assert swarm("submit", "one", "--db", str(db), env=env).returncode == 0
    cases: list[tuple[list[str | bytes], str]] = [
        (["submit", b"caf\xe9 au lait"], "PROMPT: not valid UTF-8 text (byte 0xe9 at character 4)"),
        (["submit", b"\xed\xa0\x80"], "PROMPT: not valid UTF-8 text (byte 0xed at character 1)"),
        (["submit", "ok", "--title", b"t\xff"], "--title: not valid UTF-8 text (byte 0xff"),
    ]
    for args, needle in cases:
        argv = [os.fsencode(sys.executable), b"-m", b"swarm_tui"]
        argv += [a if isinstance(a, bytes) else a.encode() for a in args]
        argv += [b"--db", os.fsencode(db)]
        result = subprocess.run(
            argv, capture_output=True, env=env, stdin=subprocess.DEVNULL, timeout=600
        )
        err = result.stderr.decode("utf-8", "replace")
        assert result.returncode == 2, err
        assert needle in err and "Traceback" not in err and "codec" not in err
    assert query(db, "SELECT title FROM tasks") == [("one",)]
    # A file name is bytes to the file system: one that is not UTF-8 is still a good --db.
    odd = os.fsencode(tmp_path) + b"/caf\xe9.db"
    made = subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"swarm_tui", b"submit", b"ok", b"--db", odd],
        capture_output=True, env=env, stdin=subprocess.DEVNULL, timeout=600,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert os.path.exists(odd)


def _closed_pipe_run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """Run with stdout on a pipe whose reader is already gone (``| head`` that has quit)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "swarm_tui", *args],
            stdout=write, stderr=subprocess.PIPE, env=env, stdin=subprocess.DEVNULL, timeout=600,
        )  # fmt: skip
    finally:
        os.close(write)


def test_output_cut_short_by_a_closed_pipe_ends_quietly(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = str(tmp_path / "l.db")
    assert swarm("submit", "a task", "--db", db, env=env).returncode == 0
    for command in (
        ["report"],
        ["report", "--format", "csv"],
        ["status"],
        ["status", "--json"],
        ["decide"],
        ["decide", "1"],
        ["submit", "more", "--json"],
        ["config", "check", "config.toml.example"],
        ["hw", "--json", "--ollama", "http://127.0.0.1:9"],
    ):
        result = _closed_pipe_run(*command, "--db", db, env=env)
        err = result.stderr.decode()
        assert "Traceback" not in err and "BrokenPipeError" not in err, (command, err)
        assert "Exception ignored" not in err, (command, err)
        assert result.returncode == 141, (command, err)


def test_a_config_of_one_setting_keeps_the_built_in_agent(
    tmp_path: Path, env: dict[str, str]
) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[orchestrator]\nmax_concurrent = 2\n")
    check = swarm("config", "check", str(config), env=env)
    assert check.returncode == 0, check.stderr
    assert "1 providers, 1 agents, default agent 'generalist'" in check.stdout
    db = str(tmp_path / "l.db")
    submitted = swarm("--config", str(config), "submit", "hi", "--json", "--db", db, env=env)
    assert submitted.returncode == 0, submitted.stderr
    assert json.loads(submitted.stdout)["role"] == "generalist"

    half = tmp_path / "half.toml"
    half.write_text('[providers.o]\nkind = "ollama"\n[providers.o.models.m]\n')
    assert_user_error(
        swarm("config", "check", str(half), env=env),
        f"{half}: [agents] is missing: a file that defines [providers] must define [agents] too",
    )
