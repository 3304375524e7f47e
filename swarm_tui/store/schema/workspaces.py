"""Workspaces: tasks' project, a git worktree per attempt, its rounds and checks."""

from __future__ import annotations

# Workspaces (issue 19): a task names its project; each attempt of such a task works in a git
# worktree of it. ``workspaces`` has a row per attempt, written BEFORE ``git worktree add``
# (a crash after it finds the row and finishes or reuses the worktree); ``state`` is
# ``opening`` (row written, worktree not yet made), ``open`` (the agent works there),
# ``needs_review``, ``merged``, ``rejected``, ``sent_back`` (a later attempt took the
# worktree over), ``empty`` (the attempt changed nothing) or ``failed`` (setup failed).
# ``workspace_rounds``: each commit-and-check round of an attempt (fix rounds included), with
# its commit and diffstat; ``check_runs``: each check of a round, its output kept (the end).
_WORKSPACES = """
ALTER TABLE tasks ADD COLUMN project TEXT;
CREATE TABLE workspaces (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id     INTEGER NOT NULL REFERENCES tasks(id),
    attempt     INTEGER NOT NULL,
    project     TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    branch      TEXT    NOT NULL,
    base        TEXT    NOT NULL,
    start_point TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    feedback    TEXT    NOT NULL DEFAULT '',
    conflicts   TEXT    NOT NULL DEFAULT '[]',
    merged      TEXT    NOT NULL DEFAULT '',
    created_at  REAL    NOT NULL,
    updated_at  REAL    NOT NULL,
    UNIQUE (task_id, attempt)
);
CREATE INDEX workspaces_by_state ON workspaces (state, task_id);
CREATE TABLE workspace_rounds (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id    INTEGER NOT NULL REFERENCES tasks(id),
    attempt    INTEGER NOT NULL,
    round      INTEGER NOT NULL,
    commit_sha TEXT    NOT NULL DEFAULT '',
    files      INTEGER NOT NULL DEFAULT 0,
    added      INTEGER NOT NULL DEFAULT 0,
    removed    INTEGER NOT NULL DEFAULT 0,
    diffstat   TEXT    NOT NULL DEFAULT '[]',
    passed     INTEGER,
    ts         REAL    NOT NULL
);
CREATE INDEX workspace_rounds_by_task ON workspace_rounds (task_id, attempt, round);
CREATE TABLE check_runs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id    INTEGER NOT NULL REFERENCES tasks(id),
    attempt    INTEGER NOT NULL,
    round      INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    command    TEXT    NOT NULL,
    exit_code  INTEGER,
    timed_out  INTEGER NOT NULL DEFAULT 0,
    duration_s REAL    NOT NULL,
    output     TEXT    NOT NULL,
    ts         REAL    NOT NULL
);
CREATE INDEX check_runs_by_task ON check_runs (task_id, attempt, round);
"""
