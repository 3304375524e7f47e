"""What mypy cannot check of the two ledgers' contract.

``store/contract/check.py`` has mypy prove that the SQLite and the PostgreSQL ledgers both
satisfy the ``Ledger`` protocol (store/contract/): every method, its parameters' kinds and
types, whether each has a default, its return type. mypy does not compare the names of
parameters that can be passed by position (``ledger.memory(project=..., name=...)`` would
break on a backend that calls it ``key``) nor default values: checked here, against the
protocol, for each part and its PostgreSQL twin. That the code outside ``store/`` names no
facade but where it opens one. And each SQLite migration has its PostgreSQL twin. Read from
the source (no server needed)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from swarm_tui.store.changes import ChangeFeed, Changes
from swarm_tui.store.children import ChildRecords
from swarm_tui.store.claims import Claims
from swarm_tui.store.consensus import ConsensusRecords
from swarm_tui.store.contract import (
    ChildrenAPI,
    ClaimsAPI,
    ConsensusAPI,
    EvalsAPI,
    FlagsAPI,
    GoalsAPI,
    HoldsAPI,
    Ledger,
    SlotsAPI,
    SpendAPI,
    TaskReadsAPI,
    TaskRowsAPI,
    TaskWritesAPI,
    ToolsAPI,
    WorkspacesAPI,
)
from swarm_tui.store.evals import EvalRecords
from swarm_tui.store.flags import FlagRecords
from swarm_tui.store.goals import GoalRecords
from swarm_tui.store.holds import HoldReads
from swarm_tui.store.ledger import SqliteLedger
from swarm_tui.store.pg.changes import PgChanges
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

PARTS: list[tuple[type, type, type]] = [
    (TaskReadsAPI, TaskReads, PgTaskReads), (TaskRowsAPI, TaskRows, PgTaskRows),
    (ClaimsAPI, Claims, PgClaims), (TaskWritesAPI, TaskWrites, PgTaskWrites),
    (FlagsAPI, FlagRecords, PgFlags), (ToolsAPI, ToolRecords, PgTools),
    (ConsensusAPI, ConsensusRecords, PgConsensus), (GoalsAPI, GoalRecords, PgGoals),
    (EvalsAPI, EvalRecords, PgEvals), (WorkspacesAPI, WorkspaceRecords, PgWorkspaces),
    (SpendAPI, SpendReads, PgSpend), (HoldsAPI, HoldReads, HoldReads),
    (SlotsAPI, SlotRecords, PgSlots), (ChildrenAPI, ChildRecords, PgChildren),
    (ChangeFeed, Changes, PgChanges),
]  # fmt: skip
"""Each part's protocol, its SQLite part and its PostgreSQL twin (the budget holds' reads are
dialect-free: one part, ``HoldReads``, on both)."""


def _methods(proto: type) -> dict[str, Callable[..., Any]]:
    """The protocol's methods, its own and those of the protocols it is made of."""
    return {
        name: fn
        for name, fn in inspect.getmembers(proto, inspect.isfunction)
        if not name.startswith("_")
    }


def _shape(fn: Callable[..., Any]) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def _differences(proto: type, impl: type, *, all_there: bool) -> list[str]:
    wrong: list[str] = []
    for name, fn in _methods(proto).items():
        method = inspect.getattr_static(impl, name, None)
        if method is None:
            if all_there:
                wrong.append(f"{impl.__name__}.{name} is missing ({proto.__name__} has it)")
            continue  # a facade binds it from a part, in __init__ (the parts are checked)
        if _shape(method) != _shape(fn):
            wrong.append(
                f"{impl.__name__}.{name}{inspect.signature(method)} differs from"
                f" {proto.__name__}.{name}{inspect.signature(fn)}"
            )
    return wrong


def test_every_part_of_the_contract_is_compared() -> None:
    """A part's protocol added to ``Ledger`` and not to PARTS would go unchecked here."""
    parts = {proto for proto, _, _ in PARTS}
    assert set(Ledger.__bases__) - {Protocol} == parts - {ChangeFeed}
    feed = inspect.getattr_static(Ledger, "changes")  # a property: ``ledger.changes``
    assert inspect.get_annotations(feed.fget)["return"] in (ChangeFeed, "ChangeFeed")


def test_each_part_has_its_protocol_s_parameter_names_and_defaults() -> None:
    wrong = [
        line
        for proto, ours, theirs in PARTS
        for impl in (ours, theirs)
        for line in _differences(proto, impl, all_there=True)
    ]
    assert not wrong, "\n".join(wrong)


def test_methods_the_facades_define_themselves_match_the_protocol() -> None:
    """``log_event``, ``close``, ``PgLedger.renew_leases`` (it measures the clock first)..."""
    wrong = [
        line
        for impl in (SqliteLedger, PgLedger)
        for line in _differences(Ledger, impl, all_there=False)
    ]
    assert not wrong, "\n".join(wrong)
    assert "renew_leases" in vars(PgLedger) and "log_event" in vars(SqliteLedger)


def test_a_renamed_parameter_is_caught() -> None:
    """The comparison itself: a twin calling ``name`` ``key`` differs, a default too."""

    class Renamed:
        async def delete_memory(self, project: str, key: str) -> bool:
            return bool(project and key)

        async def memories(self, project: str, prefix: str = "x") -> list[object]:
            return []

    wrong = _differences(ToolsAPI, Renamed, all_there=False)
    assert [line.split("(")[0] for line in wrong] == ["Renamed.delete_memory", "Renamed.memories"]


OPENERS = {"core/opening.py", "cli/ledger_copy.py"}
"""The only modules outside ``store/`` that name ``SqliteLedger`` or ``PgLedger``."""


def test_outside_the_store_only_the_openers_name_a_facade() -> None:
    """Everything else holds a ``Ledger`` (the protocol): no ``cast``, no ``isinstance``."""
    package = Path(__file__).resolve().parents[2] / "swarm_tui"
    naming = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.relative_to(package).parts[0] != "store"
        and re.search(r"\b(SqliteLedger|PgLedger)\b", path.read_text())
    }
    assert naming == OPENERS


def test_the_postgres_schema_covers_every_sqlite_migration() -> None:
    """A migration appended to store/schema.py without its PostgreSQL twin fails here."""
    assert COVERS == SCHEMA_VERSION, "store/pg/schema.py lacks a twin of a SQLite migration"
    assert (
        PG_MIGRATIONS[0][0] == "_BASE" and len(PG_MIGRATIONS) == 1 + SCHEMA_VERSION - 7
    )  # _BASE = v1..v7
