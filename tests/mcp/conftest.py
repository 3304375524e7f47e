"""MCP servers for the tests: PyPI ones from the venv, npm ones installed once.

The npm servers go to ``.npm-tools/mcp-servers`` (gitignored) with exact versions, installed
by this session fixture when missing; nothing is fetched while a test runs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROBE = Path(__file__).with_name("probe_server.py")
NPM_PREFIX = ROOT / ".npm-tools" / "mcp-servers"
NPM_SERVERS = {
    "mcp-server-memory": "@modelcontextprotocol/server-memory@2026.8.31",
    "mcp-server-sequential-thinking": "@modelcontextprotocol/server-sequential-thinking@2026.8.31",
    "mcp-server-filesystem": "@modelcontextprotocol/server-filesystem@2026.8.31",
}
"""Exact versions (``npm view <pkg> version`` on 2026-11-21)."""


def _installed(bin_name: str, spec: str) -> bool:
    name, _, version = spec.rpartition("@")
    manifest = NPM_PREFIX / "node_modules" / name / "package.json"
    binary = NPM_PREFIX / "node_modules" / ".bin" / bin_name
    return binary.exists() and f'"version": "{version}"' in manifest.read_text()


@pytest.fixture(scope="session")
def npm_mcp() -> dict[str, Path]:
    """``{"mcp-server-memory": path, ...}``; ``npm install --prefix`` only when needed."""
    missing = [spec for b, spec in NPM_SERVERS.items() if not _installed(b, spec)]
    if missing:
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is not on PATH: the npm MCP server tests need Node.js and npm")
        NPM_PREFIX.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--prefix", str(NPM_PREFIX), "--no-audit", "--no-fund", *missing],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"npm install {' '.join(missing)} failed:\n{done.stderr[-2000:]}")
    return {b: NPM_PREFIX / "node_modules" / ".bin" / b for b in NPM_SERVERS}


@pytest.fixture(scope="session")
def venv_bin() -> Path:
    for name in ("mcp-server-time", "mcp-server-git"):
        if not (BIN / name).exists():
            pytest.fail(f"{name} is not in {BIN}: run make setup")
    return BIN
