"""The ledger's first tables, v1..v6: tasks, their dependencies, attempts, events, usage,
flags, tool calls and approvals, shared memory, consensus runs, and their indexes.
"""

from __future__ import annotations

_V1 = """
CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT    NOT NULL,
    prompt      TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    priority    INTEGER NOT NULL DEFAULT 0,
    mode        TEXT    NOT NULL DEFAULT 'single',
    state       TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    result      TEXT,
    error       TEXT,
    pin         TEXT,
    pin_agent   TEXT,
    created_at  REAL    NOT NULL,
    updated_at  REAL    NOT NULL,
    started_at  REAL,
    finished_at REAL
);
CREATE TABLE task_deps (
    task_id INTEGER NOT NULL REFERENCES tasks(id),
    dep_id  INTEGER NOT NULL REFERENCES tasks(id),
    PRIMARY KEY (task_id, dep_id)
);
CREATE TABLE attempts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id        INTEGER NOT NULL REFERENCES tasks(id),
    number         INTEGER NOT NULL,
    agent          TEXT    NOT NULL,
    provider       TEXT    NOT NULL,
    model          TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    owner          TEXT    NOT NULL,
    lease_until    REAL    NOT NULL,
    heartbeat_at   REAL    NOT NULL,
    routing_reason TEXT    NOT NULL DEFAULT '',
    output         TEXT    NOT NULL DEFAULT '',
    error          TEXT,
    tokens_in      INTEGER,
    tokens_out     INTEGER,
    cost_usd       REAL    NOT NULL DEFAULT 0,
    ttft_ms        REAL,
    duration_ms    REAL,
    started_at     REAL    NOT NULL,
    finished_at    REAL,
    UNIQUE (task_id, number)
);
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ts         REAL    NOT NULL,
    kind       TEXT    NOT NULL,
    task_id    INTEGER,
    attempt_id INTEGER,
    data       TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX tasks_by_state ON tasks (state, priority DESC, id);
CREATE INDEX attempts_by_task ON attempts (task_id, number);
CREATE INDEX attempts_running ON attempts (state) WHERE state = 'running';
"""

# v2: idempotency keys and tags on tasks, retry back-off and manual-retry base,
# cached tokens and usage source on
# attempts, the usage ledger, and durable pause flags.
_V2 = """
ALTER TABLE tasks ADD COLUMN key TEXT;
ALTER TABLE tasks ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tasks ADD COLUMN not_before REAL NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN retry_from INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX tasks_by_key ON tasks (key) WHERE key IS NOT NULL;
ALTER TABLE attempts ADD COLUMN tokens_cached INTEGER;
ALTER TABLE attempts ADD COLUMN usage_source TEXT NOT NULL DEFAULT 'unknown';
CREATE TABLE usage (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    ts            REAL    NOT NULL,
    task_id       INTEGER NOT NULL,
    attempt_id    INTEGER NOT NULL,
    agent         TEXT    NOT NULL,
    provider      TEXT    NOT NULL,
    model         TEXT    NOT NULL,
    tokens_in     INTEGER,
    tokens_out    INTEGER,
    tokens_cached INTEGER,
    cost_usd      REAL    NOT NULL DEFAULT 0,
    source        TEXT    NOT NULL
);
CREATE INDEX usage_by_ts ON usage (ts);
CREATE TABLE flags (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
UPDATE attempts SET usage_source = 'reported' WHERE tokens_out IS NOT NULL;
"""

# v3: MCP tool calls per attempt, tool approvals with definition hashes, shared memory.
_V3 = """
CREATE TABLE tool_calls (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    ts           REAL    NOT NULL,
    task_id      INTEGER NOT NULL,
    attempt_id   INTEGER NOT NULL,
    call_id      TEXT    NOT NULL,
    tool         TEXT    NOT NULL,
    arguments    TEXT    NOT NULL,
    outcome      TEXT    NOT NULL,
    result_chars INTEGER NOT NULL DEFAULT 0,
    duration_ms  REAL,
    approved_by  TEXT    NOT NULL,
    error        TEXT
);
CREATE INDEX tool_calls_by_attempt ON tool_calls (attempt_id, id);
CREATE TABLE tool_approvals (
    agent       TEXT NOT NULL,
    tool        TEXT NOT NULL,
    def_hash    TEXT NOT NULL,
    decision    TEXT NOT NULL,
    decided_by  TEXT NOT NULL,
    ts          REAL NOT NULL,
    PRIMARY KEY (agent, tool)
);
CREATE TABLE memories (
    project    TEXT NOT NULL,
    name       TEXT NOT NULL,
    content    TEXT NOT NULL,
    author     TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (project, name)
);
"""

# v4: consensus and review runs (the whole record as JSON, the decision in columns) and the
# per-model figures they leave (answers, votes won, review scores, cost) for report/routing.
_V4 = """
CREATE TABLE consensus (
    task_id    INTEGER PRIMARY KEY REFERENCES tasks(id),
    attempt_id INTEGER NOT NULL,
    mode       TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    decided_by TEXT,
    winner     TEXT,
    margin     REAL,
    cost_usd   REAL    NOT NULL DEFAULT 0,
    record     TEXT    NOT NULL,
    created_at REAL    NOT NULL,
    updated_at REAL    NOT NULL
);
CREATE INDEX consensus_waiting ON consensus (status) WHERE status = 'needs_human';
CREATE TABLE consensus_models (
    task_id  INTEGER NOT NULL REFERENCES tasks(id),
    model    TEXT    NOT NULL,
    answers  INTEGER NOT NULL DEFAULT 0,
    won      INTEGER NOT NULL DEFAULT 0,
    votes    INTEGER NOT NULL DEFAULT 0,
    score    REAL,
    reviews  INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL    NOT NULL DEFAULT 0,
    ts       REAL    NOT NULL,
    PRIMARY KEY (task_id, model)
);
CREATE INDEX consensus_models_by_model ON consensus_models (model, ts);
"""

# v5: indexes for reads that scanned a whole table as history grew: a task's events (an
# attempt's start looks for an agent CLI session) and a run's attempts (spend per run).
_V5 = """
CREATE INDEX events_by_task ON events (task_id, id);
CREATE INDEX attempts_by_owner ON attempts (owner, agent);
"""

# v6: poison tasks. ``abandoned`` counts a task's attempts abandoned in a row (the process
# running them died or lost its lease; any other end resets it); ``held`` is why a task that
# reached ``[orchestrator] max_abandoned`` is held (paused) instead of re-queued, NULL if not.
_V6 = """
ALTER TABLE tasks ADD COLUMN abandoned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN held TEXT;
"""
