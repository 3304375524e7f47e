"""``swarm-tui doctor`` names an agent CLI that cannot run headless: Qwen Code with no auth
type (it would stop with "No auth type is selected" on every task)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.crash import cli

pytestmark = pytest.mark.slow


def _doctor(config: Path, db: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SWARM_TUI"))}
    return subprocess.run(
        cli("--config", str(config), "--db", str(db), "doctor"),
        env={**env, **extra},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_doctor_names_a_qwen_code_provider_without_an_auth_type(
    npm_tools: dict[str, Path], tmp_path: Path
) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[providers.qwen]
kind = "qwen-code"
[providers.qwen.cli]
binary = "{npm_tools["qwen"]}"
workdir = "{work}"
env = {{ HOME = "{home}" }}
[providers.qwen.models.m]

[agents.worker]
mix = {{ "qwen/m" = 1.0 }}
"""
    )
    bad = _doctor(config, tmp_path / "l.db")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    [line] = [x for x in bad.stdout.splitlines() if "Qwen Code has no auth type" in x]
    assert line.startswith("[!!] qwen (qwen-code): ") and "--auth-type" in line, bad.stdout
    ok = _doctor(config, tmp_path / "l.db", OPENAI_API_KEY="sk-from-the-environment")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "no auth type" not in ok.stdout and "sk-from-the-environment" not in ok.stdout
