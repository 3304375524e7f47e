"""Real agent CLIs from npm, installed once per checkout into ``.npm-tools/`` (gitignored)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TOOLS = ROOT / ".npm-tools"
PACKAGES = {"gemini": "@google/gemini-cli@0.61.0", "copilot": "@github/copilot@1.0.102"}
"""Exact versions (``npm view <pkg> version`` on 2026-11-21), the ones protocols.md checked."""


def _installed(bin_name: str, spec: str) -> bool:
    name, _, version = spec.rpartition("@")
    manifest = TOOLS / "node_modules" / name / "package.json"
    binary = TOOLS / "node_modules" / ".bin" / bin_name
    return binary.exists() and f'"version": "{version}"' in manifest.read_text()


@pytest.fixture(scope="session")
def npm_tools() -> dict[str, Path]:
    """``{"gemini": path, "copilot": path}``; runs ``npm install --prefix`` only when needed."""
    missing = [spec for b, spec in PACKAGES.items() if not _installed(b, spec)]
    if missing:
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is not on PATH: the real agent-CLI tests need Node.js and npm")
        TOOLS.mkdir(exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund", *missing],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"npm install {' '.join(missing)} failed:\n{done.stderr[-2000:]}")
    return {b: TOOLS / "node_modules" / ".bin" / b for b in PACKAGES}
