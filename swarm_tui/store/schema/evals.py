"""Evals: runs, results, pairwise verdicts and shadow samples."""

from __future__ import annotations

_EVALS = """
CREATE TABLE eval_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE,
    set_name    TEXT    NOT NULL,
    set_digest  TEXT    NOT NULL,
    configs     TEXT    NOT NULL,
    repeat      INTEGER NOT NULL,
    judge       TEXT,
    created_at  REAL    NOT NULL
);
CREATE TABLE eval_results (
    run_id      INTEGER NOT NULL REFERENCES eval_runs(id),
    case_id     TEXT    NOT NULL,
    config      TEXT    NOT NULL,
    rep         INTEGER NOT NULL,
    task_ids    TEXT    NOT NULL,
    model       TEXT,
    role        TEXT,
    answer      TEXT    NOT NULL DEFAULT '',
    passed      INTEGER,
    score       REAL,
    reason      TEXT    NOT NULL DEFAULT '',
    escalated   INTEGER NOT NULL DEFAULT 0,
    cost_usd    REAL    NOT NULL DEFAULT 0,
    tokens_in   INTEGER NOT NULL DEFAULT 0,
    tokens_out  INTEGER NOT NULL DEFAULT 0,
    latency_ms  REAL,
    created_at  REAL    NOT NULL,
    PRIMARY KEY (run_id, case_id, config, rep)
);
CREATE TABLE eval_pairs (
    run_id      INTEGER NOT NULL REFERENCES eval_runs(id),
    case_id     TEXT    NOT NULL,
    a           TEXT    NOT NULL,
    b           TEXT    NOT NULL,
    rep         INTEGER NOT NULL,
    verdict     TEXT    NOT NULL,
    created_at  REAL    NOT NULL,
    PRIMARY KEY (run_id, case_id, a, b, rep)
);
CREATE TABLE shadow_samples (
    task_id        INTEGER PRIMARY KEY REFERENCES tasks(id),
    shadow_task_id INTEGER REFERENCES tasks(id),
    role           TEXT    NOT NULL,
    model          TEXT    NOT NULL,
    baseline       TEXT    NOT NULL,
    verdict        TEXT    NOT NULL DEFAULT 'pending',
    cost_usd       REAL    NOT NULL DEFAULT 0,
    created_at     REAL    NOT NULL,
    decided_at     REAL
);
"""
