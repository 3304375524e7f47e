"""Serena (``serena-agent`` from PyPI), run for real by the tests, installed once per checkout
into ``.serena-tool/`` (gitignored), a virtual environment of its own: Serena pins exact
versions of mcp, pydantic and others that differ from this project's lock, so it cannot share
``.venv``. uv installs it from its cache when it can (offline), else from the registry;
nothing is fetched while a test runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PREFIX = ROOT / ".serena-tool"
SPEC = "serena-agent==2.1.0"
UV = ROOT / ".tools" / "bin" / "uv"


def _installed() -> bool:
    found = list((PREFIX / "lib").glob("python*/site-packages/serena_agent-2.1.0.dist-info"))
    return bool(found) and (PREFIX / "bin" / "serena").exists()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)


def serena_binary() -> Path:
    """The ``serena`` command of the pinned version; installs it when missing."""
    if _installed():
        return PREFIX / "bin" / "serena"
    if not UV.exists():
        pytest.fail(f"{UV} is missing: run make setup first (it bootstraps uv)")
    made = _run(
        str(UV), "venv", "--quiet", "--allow-existing", "--python", sys.executable, str(PREFIX)
    )
    if made.returncode != 0:
        pytest.fail(f"uv venv {PREFIX} failed:\n{made.stderr[-2000:]}")
    python = str(PREFIX / "bin" / "python")
    done = _run(str(UV), "pip", "install", "--quiet", "--offline", "--python", python, SPEC)
    if done.returncode != 0:
        done = _run(str(UV), "pip", "install", "--quiet", "--python", python, SPEC)
    if done.returncode != 0 or not _installed():
        pytest.fail(f"uv pip install {SPEC} into {PREFIX} failed:\n{done.stderr[-2000:]}")
    return PREFIX / "bin" / "serena"
