"""Real agent CLIs from npm, installed once per checkout into ``.npm-tools/`` (gitignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.npm_tools import TOOLS, install

PACKAGES = {"gemini": "@google/gemini-cli@0.61.0", "copilot": "@github/copilot@1.0.102"}
"""Exact versions (``npm view <pkg> version`` on 2026-11-21), the ones protocols.md checked."""


@pytest.fixture(scope="session")
def npm_tools() -> dict[str, Path]:
    """``{"gemini": path, "copilot": path}``; runs ``npm install --prefix`` only when needed."""
    return install(TOOLS, PACKAGES, "the real agent-CLI tests")
