"""The change feed's machinery in PostgreSQL: the advisory lock every write transaction takes
first (:data:`FEED_LOCK`), the PL/pgSQL function and trigger that log one change and
``NOTIFY`` (``_trigger``), and the eval records' triggers (``_EVAL_FEED``).
"""

from __future__ import annotations

FEED_LOCK = 0x5357524D
"""``pg_advisory_xact_lock`` key every write transaction takes first ("SWRM")."""


def _trigger(name: str, table: str, events: str, columns: str, values: str) -> str:
    row = "OLD" if events.startswith("DELETE") else "NEW"
    return f"""
CREATE FUNCTION changes_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({FEED_LOCK});
    INSERT INTO changes ({columns}, origin)
    VALUES ({values}, NULLIF(current_setting('swarm.origin', true), '')::BIGINT);
    RETURN {row};
END $$;
CREATE TRIGGER changes_{name} AFTER {events} ON {table}
    FOR EACH ROW EXECUTE FUNCTION changes_{name}();
"""


_EVAL_FEED_TRIGGERS = [
    ("eval_run", "eval_runs", "INSERT", "kind, name", "'eval', 'run'"),
    ("eval_result", "eval_results", "INSERT", "kind, name", "'eval', 'run'"),
    ("shadow_insert", "shadow_samples", "INSERT", "kind, name", "'eval', 'shadow'"),
    ("shadow_update", "shadow_samples", "UPDATE", "kind, name", "'eval', 'shadow'"),
]

# SQLite's _EVAL_FEED: the eval records in the change feed (kind 'eval', name run/shadow).
_EVAL_FEED = "".join(_trigger(*t) for t in _EVAL_FEED_TRIGGERS)
