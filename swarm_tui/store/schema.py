"""Ledger schema as an ordered list of migrations, tracked by ``PRAGMA user_version``.

Never edit a released migration: append a new one. Each runs in one transaction.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

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

# v7: the change feed. Every change a writer makes to what a view shows is logged in
# ``changes`` by triggers, so every writer is caught: this version's ledger writes, the CLI's,
# an older code path, a hand-run ``sqlite3``. ``seq`` only grows (AUTOINCREMENT: never
# reused, even once pruned), and commits are serialised, so a reader that saw ``seq`` N has
# seen every change up to N; it reads on with ``WHERE seq > N`` (the primary key's b-tree).
# ``origin`` is NULL here and stays so: a process tells its own changes from other processes'
# by the numbers its writer notes per transaction (store/changes.py ``OwnWrites``; a TEMP
# trigger once tagged each row, an UPDATE per change, dropped for its cost). Pruning: every
# 1,000th change deletes the changes more than CHANGES_KEPT (50,000) behind it, in every
# writer, so the table stays bounded with no process in charge of it (a reader further
# behind than that reads the world again; see store/changes.py). ``attempts_usage`` covers the
# totals a room reads when a change comes (a scan of it, not of every attempt's output: on
# 100,000 tasks 20 ms instead of 420 ms).
_V7 = """
CREATE INDEX attempts_usage ON attempts (tokens_in, tokens_out, cost_usd);
CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT    NOT NULL,
    task_id    INTEGER,
    attempt_id INTEGER,
    row_id     INTEGER,
    name       TEXT,
    origin     INTEGER
);
CREATE TRIGGER changes_prune AFTER INSERT ON changes WHEN NEW.seq % 1000 = 0
BEGIN
    DELETE FROM changes WHERE seq <= NEW.seq - 50000;
END;
CREATE TRIGGER changes_task_insert AFTER INSERT ON tasks
BEGIN
    INSERT INTO changes (kind, task_id) VALUES ('task', NEW.id);
END;
CREATE TRIGGER changes_task_update AFTER UPDATE ON tasks
BEGIN
    INSERT INTO changes (kind, task_id) VALUES ('task', NEW.id);
END;
CREATE TRIGGER changes_attempt_insert AFTER INSERT ON attempts
BEGIN
    INSERT INTO changes (kind, task_id, attempt_id) VALUES ('attempt', NEW.task_id, NEW.id);
END;
CREATE TRIGGER changes_attempt_end AFTER UPDATE OF state, tokens_in, tokens_out, cost_usd
ON attempts
BEGIN
    INSERT INTO changes (kind, task_id, attempt_id) VALUES ('attempt', NEW.task_id, NEW.id);
END;
CREATE TRIGGER changes_output AFTER UPDATE OF output ON attempts
BEGIN
    INSERT INTO changes (kind, task_id, attempt_id) VALUES ('output', NEW.task_id, NEW.id);
END;
CREATE TRIGGER changes_tool_call AFTER INSERT ON tool_calls
BEGIN
    INSERT INTO changes (kind, task_id, attempt_id, row_id)
    VALUES ('tool_call', NEW.task_id, NEW.attempt_id, NEW.id);
END;
CREATE TRIGGER changes_consensus_insert AFTER INSERT ON consensus
BEGIN
    INSERT INTO changes (kind, task_id) VALUES ('consensus', NEW.task_id);
END;
CREATE TRIGGER changes_consensus_update AFTER UPDATE ON consensus
BEGIN
    INSERT INTO changes (kind, task_id) VALUES ('consensus', NEW.task_id);
END;
CREATE TRIGGER changes_flag_insert AFTER INSERT ON flags
BEGIN
    INSERT INTO changes (kind, name) VALUES ('flag', NEW.name);
END;
CREATE TRIGGER changes_flag_update AFTER UPDATE ON flags
BEGIN
    INSERT INTO changes (kind, name) VALUES ('flag', NEW.name);
END;
CREATE TRIGGER changes_flag_delete AFTER DELETE ON flags
BEGIN
    INSERT INTO changes (kind, name) VALUES ('flag', OLD.name);
END;
CREATE TRIGGER changes_approval_insert AFTER INSERT ON tool_approvals
BEGIN
    INSERT INTO changes (kind, name) VALUES ('approval', NEW.agent || '/' || NEW.tool);
END;
CREATE TRIGGER changes_approval_update AFTER UPDATE ON tool_approvals
BEGIN
    INSERT INTO changes (kind, name) VALUES ('approval', NEW.agent || '/' || NEW.tool);
END;
CREATE TRIGGER changes_approval_delete AFTER DELETE ON tool_approvals
BEGIN
    INSERT INTO changes (kind, name) VALUES ('approval', OLD.agent || '/' || OLD.tool);
END;
CREATE TRIGGER changes_memory_insert AFTER INSERT ON memories
BEGIN
    INSERT INTO changes (kind, name) VALUES ('memory', NEW.project || '/' || NEW.name);
END;
CREATE TRIGGER changes_memory_update AFTER UPDATE ON memories
BEGIN
    INSERT INTO changes (kind, name) VALUES ('memory', NEW.project || '/' || NEW.name);
END;
CREATE TRIGGER changes_memory_delete AFTER DELETE ON memories
BEGIN
    INSERT INTO changes (kind, name) VALUES ('memory', OLD.project || '/' || OLD.name);
END;
"""

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

# Budget holds (store/holds.py): an attempt's worst case, held while it runs, so admission is
# exact across every process and host on the ledger. Keyed by the attempt: a hold lives as
# long as its attempt runs (its lease), and goes when the attempt ends or is recovered.
_HOLDS = """
CREATE TABLE budget_holds (
    attempt_id INTEGER PRIMARY KEY REFERENCES attempts(id),
    owner      TEXT    NOT NULL,
    agent      TEXT    NOT NULL,
    task_id    INTEGER NOT NULL REFERENCES tasks(id),
    amount     REAL    NOT NULL,
    created    REAL    NOT NULL
);
CREATE INDEX budget_holds_by_owner ON budget_holds (owner, agent);
"""

# Provider slots (issue 22): a call made outside an attempt of its own (a consensus run's
# model calls) holds a row here while it runs, so the provider's ``max_concurrent`` counts it
# on every host and process: claims and new holds count running attempts plus live holds.
# ``owner`` as an attempt's (host:pid:start); ``lease_until`` renewed with the heartbeat, a
# hold past it is not counted and recovery deletes it (as it does a dead owner's).
_PROVIDER_SLOTS = """
CREATE TABLE provider_slots (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    provider    TEXT    NOT NULL,
    model       TEXT    NOT NULL DEFAULT '',
    owner       TEXT    NOT NULL,
    purpose     TEXT    NOT NULL,
    lease_until REAL    NOT NULL,
    taken_at    REAL    NOT NULL
);
CREATE INDEX provider_slots_by_provider ON provider_slots (provider, lease_until);
"""

# Agent CLI children: each CLI process an attempt runs, recorded when
# it starts and deleted when it exits, so a restarted orchestrator can stop one that outlived
# a killed run. ``started`` is the process's start time (with ``pid``, its identity: a reused
# pid does not share it); ``host`` the host that started it (only that host may signal it).
_CHILDREN = """
CREATE TABLE children (
    attempt_id INTEGER NOT NULL REFERENCES attempts(id),
    pid        INTEGER NOT NULL,
    task_id    INTEGER NOT NULL,
    pgid       INTEGER NOT NULL,
    host       TEXT    NOT NULL,
    owner      TEXT    NOT NULL,
    started    REAL    NOT NULL,
    command    TEXT    NOT NULL,
    created_at REAL    NOT NULL,
    PRIMARY KEY (attempt_id, pid)
);
CREATE INDEX children_by_host ON children (host);
"""

# The eval records in the change feed (kind ``eval``): a run made, a result measured, a shadow
# sample taken or decided, so an open eval view (in-process or attached to a service) reads
# again when they change instead of on a timer. ``name`` is ``run`` or ``shadow``.
_EVAL_FEED = """
CREATE TRIGGER changes_eval_run AFTER INSERT ON eval_runs
BEGIN
    INSERT INTO changes (kind, name) VALUES ('eval', 'run');
END;
CREATE TRIGGER changes_eval_result AFTER INSERT ON eval_results
BEGIN
    INSERT INTO changes (kind, name) VALUES ('eval', 'run');
END;
CREATE TRIGGER changes_shadow_insert AFTER INSERT ON shadow_samples
BEGIN
    INSERT INTO changes (kind, name) VALUES ('eval', 'shadow');
END;
CREATE TRIGGER changes_shadow_update AFTER UPDATE ON shadow_samples
BEGIN
    INSERT INTO changes (kind, name) VALUES ('eval', 'shadow');
END;
"""

MIGRATIONS: tuple[str, ...] = (
    _V1, _V2, _V3, _V4, _V5, _V6, _V7, _GOALS, _EVALS, _WORKSPACES, _HOLDS, _PROVIDER_SLOTS,
    _CHILDREN, _EVAL_FEED,
)  # fmt: skip
"""``MIGRATIONS[i]`` takes the schema from version ``i`` to ``i + 1``."""

SCHEMA_VERSION = len(MIGRATIONS)
