"""The two ledgers offer the same contract: every public name the SQLite ``Ledger`` binds
(methods of its parts, bound in ``__init__``, and its own methods) is bound by ``PgLedger``
too, so a feature added to one backend and not the other fails here, before any test of the
feature runs on the missing backend. Read from the source (no server needed)."""

from __future__ import annotations

import ast
import inspect

from swarm_tui.store.children import ChildRecords
from swarm_tui.store.claims import Claims
from swarm_tui.store.consensus import ConsensusRecords
from swarm_tui.store.evals import EvalRecords
from swarm_tui.store.flags import FlagRecords
from swarm_tui.store.goals import GoalRecords
from swarm_tui.store.ledger import Ledger
from swarm_tui.store.pg.children import PgChildren
from swarm_tui.store.pg.claims import PgClaims
from swarm_tui.store.pg.evals import PgEvals
from swarm_tui.store.pg.goals import PgGoals
from swarm_tui.store.pg.ledger import PgLedger
from swarm_tui.store.pg.records import PgConsensus, PgFlags, PgSpend, PgTools
from swarm_tui.store.pg.schema import COVERS, PG_MIGRATIONS
from swarm_tui.store.pg.slots import PgSlots
from swarm_tui.store.pg.task_reads import PgTaskReads, PgTaskRows
from swarm_tui.store.pg.task_writes import PgTaskWrites
from swarm_tui.store.pg.workspaces import PgWorkspaces
from swarm_tui.store.schema import SCHEMA_VERSION
from swarm_tui.store.slots import SlotRecords
from swarm_tui.store.spend import SpendReads
from swarm_tui.store.task_reads import TaskReads
from swarm_tui.store.task_rows import TaskRows
from swarm_tui.store.tools import ToolRecords
from swarm_tui.store.workspaces import WorkspaceRecords
from swarm_tui.store.writes import TaskWrites

PG_ONLY = {"target", "shown", "offset"}
"""What only the PostgreSQL ledger has: its URL, the server clock's offset."""


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, ast.AnnAssign):
        return [node.target]
    return []


def _public_names(cls: type) -> set[str]:
    tree = ast.parse(inspect.getsource(cls))
    names: set[str] = set()
    (body,) = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    for stmt in body.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(stmt.name)
        names |= {t.id for t in _targets(stmt) if isinstance(t, ast.Name)}
    init = next(n for n in body.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    for node in ast.walk(init):
        for t in _targets(node):
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name):
                names |= {t.attr} if t.value.id == "self" else set()
    return {n for n in names if not n.startswith("_")}


def test_the_postgres_ledger_binds_every_name_the_sqlite_ledger_does() -> None:
    sqlite, pg = _public_names(Ledger), _public_names(PgLedger)
    assert {"get_task", "claim_many", "insert_goal", "save_workspace", "add_eval_run"} <= sqlite
    missing = sorted(sqlite - pg)
    assert not missing, f"PgLedger lacks {', '.join(missing)} (store/pg/ledger.py)"
    extra = sorted(pg - sqlite - PG_ONLY)
    assert not extra, f"only PgLedger has {', '.join(extra)}: bind it on Ledger too, or PG_ONLY"


PAIRS = [
    (TaskReads, PgTaskReads), (TaskRows, PgTaskRows), (Claims, PgClaims),
    (TaskWrites, PgTaskWrites), (FlagRecords, PgFlags), (ToolRecords, PgTools),
    (ConsensusRecords, PgConsensus), (GoalRecords, PgGoals), (EvalRecords, PgEvals),
    (WorkspaceRecords, PgWorkspaces), (SpendReads, PgSpend), (SlotRecords, PgSlots),
    (ChildRecords, PgChildren),
]  # fmt: skip
"""Each SQLite part and its PostgreSQL twin."""


def test_each_part_s_twin_has_its_methods_with_the_same_parameters() -> None:
    """Same method names, and the same parameters (names, kinds, defaults), on both."""
    wrong: list[str] = []
    for ours, theirs in PAIRS:
        for name, method in inspect.getmembers(ours, inspect.isfunction):
            if name.startswith("_"):
                continue
            twin = getattr(theirs, name, None)
            if twin is None:
                wrong.append(f"{theirs.__name__}.{name} is missing")
                continue
            a, b = inspect.signature(method), inspect.signature(twin)
            shape_a = [(p.name, p.kind, p.default) for p in a.parameters.values()]
            shape_b = [(p.name, p.kind, p.default) for p in b.parameters.values()]
            if shape_a != shape_b:
                wrong.append(f"{theirs.__name__}.{name}{b} differs from {ours.__name__}{a}")
    assert not wrong, "\n".join(wrong)


def test_the_postgres_schema_covers_every_sqlite_migration() -> None:
    """A migration appended to store/schema.py without its PostgreSQL twin fails here."""
    assert COVERS == SCHEMA_VERSION, "store/pg/schema.py lacks a twin of a SQLite migration"
    assert (
        PG_MIGRATIONS[0][0] == "_BASE" and len(PG_MIGRATIONS) == 1 + SCHEMA_VERSION - 7
    )  # _BASE = v1..v7
