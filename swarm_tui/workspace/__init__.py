"""Workspaces: a git worktree per task, the project's checks, diffs, reviews and merges.

Below the core: it imports ``domain`` and ``config`` only, and talks to git through its
command line (``git.py``). Until the ledger records workspaces, the state of each one is
kept in git (its branch and worktree) and a 0600 JSON file beside the worktree
(``state.py``).
"""
