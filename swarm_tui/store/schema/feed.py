"""The change feed (v7): ``changes``, filled by triggers on every table a view shows, and
the eval records' triggers added to it later (``_EVAL_FEED``).
"""

from __future__ import annotations

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
