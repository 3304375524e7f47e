"""Goals: the ``goals`` table, tasks' goal columns and the feed's ``goal`` changes."""

from __future__ import annotations

# Goals: a request planned into a graph of role tasks (swarm_tui/goals). The plan is kept as
# JSON (stored before any of its tasks is created, so a killed run resumes from it); every
# task a goal spawns carries its ``goal_id`` and the ``step`` of the plan it runs (plus a
# round: ``implement#2``); ``output_schema`` asks the backend for JSON in that schema
# (structured output, e.g. the planner's plan). A goal's optional ``key`` makes a task
# file's ``mode = "goal"`` entry idempotent.
_GOALS = """
CREATE TABLE goals (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request     TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    plan        TEXT,
    workflow    TEXT,
    pass_mark   INTEGER NOT NULL DEFAULT 8,
    max_rounds  INTEGER NOT NULL DEFAULT 2,
    approved    INTEGER NOT NULL DEFAULT 0,
    rounds      INTEGER NOT NULL DEFAULT 0,
    score       REAL,
    result      TEXT,
    reason      TEXT,
    created_at  REAL    NOT NULL,
    updated_at  REAL    NOT NULL,
    finished_at REAL,
    key         TEXT
);
CREATE UNIQUE INDEX goals_by_key ON goals (key) WHERE key IS NOT NULL;
ALTER TABLE tasks ADD COLUMN goal_id INTEGER REFERENCES goals(id);
ALTER TABLE tasks ADD COLUMN step TEXT;
ALTER TABLE tasks ADD COLUMN output_schema TEXT;
CREATE INDEX tasks_by_goal ON tasks (goal_id, id) WHERE goal_id IS NOT NULL;
CREATE TRIGGER changes_goal_insert AFTER INSERT ON goals
BEGIN
    INSERT INTO changes (kind, row_id) VALUES ('goal', NEW.id);
END;
CREATE TRIGGER changes_goal_update AFTER UPDATE ON goals
BEGIN
    INSERT INTO changes (kind, row_id) VALUES ('goal', NEW.id);
END;
"""
