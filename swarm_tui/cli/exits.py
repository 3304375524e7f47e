"""Exit codes of ``swarm-tui`` (the table in README.md, "Commands")."""

from __future__ import annotations

__all__ = ["BAD_INPUT", "CUT_SHORT", "FAILED", "INTERRUPTED", "NOT_DONE", "OK", "PROBLEMS"]

OK = 0
PROBLEMS = 1
"""``doctor`` found problems; ``mcp call`` got a tool error."""
BAD_INPUT = 2
"""Bad input (config, task file, arguments, a ledger that cannot be opened) or a refused
command (``cancel`` of a task that already ended, ...); nothing was changed by it."""
FAILED = 3
"""``result``: the task ended without an answer (failed or cancelled)."""
NOT_DONE = 4
"""``result``: the task has not ended yet (queued, running, paused, waiting for a vote)."""
INTERRUPTED = 130
"""Ctrl-C (128 + SIGINT)."""
CUT_SHORT = 141
"""The reader of the output went away (``| head``): 128 + SIGPIPE."""
