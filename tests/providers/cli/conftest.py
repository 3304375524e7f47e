"""Real agent CLIs from npm, installed once per checkout into ``.npm-tools/`` (gitignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.npm_tools import TOOLS, install

PACKAGES = {
    "gemini": "@google/gemini-cli@0.61.0",
    "copilot": "@github/copilot@1.0.102",
    "claude": "@anthropic-ai/claude-code@2.1.197",
    "qwen": "@qwen-code/qwen-code@0.15.10",
    "codex": "@openai/codex@0.171.0",
}
"""Exact versions: Gemini CLI and Copilot as protocols.md checked them (2026-11-21); Claude
Code 2.1.197 (protocols.md's; newer 2.1.x need Node 22), Qwen Code 0.15.10 and Codex 0.171.0
(issue 15's versions, ``npm view <pkg> versions`` on 2026-12-02)."""


@pytest.fixture(scope="session")
def npm_tools() -> dict[str, Path]:
    """``{bin name: path}``; runs ``npm install --prefix`` only for what is missing."""
    return install(TOOLS, PACKAGES, "the real agent-CLI tests")
