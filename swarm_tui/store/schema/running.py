"""Rows that live while an attempt runs, gone when it ends or is recovered: budget holds,
provider slots, agent CLI children.
"""

from __future__ import annotations

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
