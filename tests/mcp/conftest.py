"""MCP servers for the tests: PyPI ones from the venv, npm ones installed once.

The npm servers go to ``.npm-tools/mcp-servers`` (gitignored) with exact versions, installed
by this session fixture when missing; nothing is fetched while a test runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.npm_tools import TOOLS, install

BIN = Path(sys.executable).parent
PROBE = Path(__file__).with_name("probe_server.py")
NPM_PREFIX = TOOLS / "mcp-servers"
NPM_SERVERS = {
    "mcp-server-memory": "@modelcontextprotocol/server-memory@2026.8.31",
    "mcp-server-sequential-thinking": "@modelcontextprotocol/server-sequential-thinking@2026.8.31",
    "mcp-server-filesystem": "@modelcontextprotocol/server-filesystem@2026.8.31",
    "mcp-server-everything": "@modelcontextprotocol/server-everything@2026.8.31",
}
"""Exact versions (``npm view <pkg> version`` on 2026-11-21; server-everything's newest of
``npm view @modelcontextprotocol/server-everything versions`` on 2026-12-02)."""


@pytest.fixture(scope="session")
def npm_mcp() -> dict[str, Path]:
    """``{"mcp-server-memory": path, ...}``; ``npm install --prefix`` only when needed."""
    return install(NPM_PREFIX, NPM_SERVERS, "the npm MCP server tests")


@pytest.fixture(scope="session")
def venv_bin() -> Path:
    for name in ("mcp-server-time", "mcp-server-git"):
        if not (BIN / name).exists():
            pytest.fail(f"{name} is not in {BIN}: run make setup")
    return BIN
