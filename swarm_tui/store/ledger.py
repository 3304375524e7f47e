"""The ledger: the one source of truth for tasks, attempts, usage and the event log.

A small facade over parts by concern, each constructed with what it uses (the read
connection, the writer, or both):

- tasks and attempts: :class:`TaskReads`, :class:`TaskRows` (the queue view), :class:`Claims`,
  :class:`TaskWrites` (fenced attempt ends, leases, recovery);
- usage and spend: :class:`SpendReads` (totals, settled spend, the report's figures);
  budget holds (``store/holds.py``: written with the claims, read by :class:`HoldReads`);
- provider slots (consensus calls' holds on a provider's limit, the swarm's load):
  :class:`SlotRecords`;
- flags: :class:`FlagRecords`;
- tools, approvals and memory: :class:`ToolRecords`;
- consensus: :class:`ConsensusRecords`;
- goals: :class:`GoalRecords` (a goal's row and the tasks it spawned);
- evals and shadow samples: :class:`EvalRecords`;
- schema and database: ``db.py`` (open, WAL, migrations), :class:`Reader`, :class:`GroupWriter`.

Reads use their own connection (WAL lets them run beside the writer). Every write goes
through the :class:`GroupWriter` and is committed before the call returns. The facade binds
each part's methods under the names callers use (``ledger.get_task``, ``ledger.claim_many``...).

:class:`SqliteLedger` is the SQLite facade; ``Ledger``, imported from here by the code outside
``store/``, is the contract it keeps with the PostgreSQL ledger (a Protocol, store/contract/).
Only the openers (``core/opening.py``, ``ledger copy``) name ``SqliteLedger``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from swarm_tui.store.changes import Changes, OwnWrites
from swarm_tui.store.children import ChildRecords
from swarm_tui.store.claims import Claims
from swarm_tui.store.consensus import ConsensusRecords
from swarm_tui.store.contract import Ledger
from swarm_tui.store.db import LedgerConnection, LedgerError, connect
from swarm_tui.store.evals import EvalRecords
from swarm_tui.store.flags import FlagRecords
from swarm_tui.store.goals import GoalRecords
from swarm_tui.store.holds import HoldReads
from swarm_tui.store.reader import Reader
from swarm_tui.store.records import NewTask, Totals, write_event_sync
from swarm_tui.store.slots import SlotRecords
from swarm_tui.store.spend import SpendReads
from swarm_tui.store.task_reads import TaskReads
from swarm_tui.store.task_rows import TaskRows
from swarm_tui.store.tools import ToolRecords
from swarm_tui.store.workspaces import WorkspaceRecords
from swarm_tui.store.writer import GroupWriter
from swarm_tui.store.writes import TaskWrites

__all__ = ["Ledger", "NewTask", "SqliteLedger", "Totals"]


def _found(path: Path) -> tuple[bool, bool]:
    """Whether the ledger's folder, and a non-empty file at ``path``, are there already."""
    try:
        return path.parent.is_dir(), path.is_file() and path.stat().st_size > 0
    except OSError:
        return True, True  # cannot tell: say nothing rather than something wrong


class SqliteLedger:
    backend = "sqlite"

    def __init__(
        self, path: Path, write: LedgerConnection, read: LedgerConnection, interval: float
    ) -> None:
        self.path = path
        self._write = write
        self._read = read
        self.created = False
        """This open made a new ledger file."""
        self.made_folder = False
        """This open also made the ledger's folder."""
        own = OwnWrites()
        self.writer = GroupWriter(write, interval=interval, own=own)
        self.changes = Changes(read, path, own)
        """The change feed (store/changes.py); the writer notes which changes are its own."""
        reader = Reader(path, read)
        self.integrity_check = reader.integrity_check
        self.data_version = reader.data_version

        tasks = TaskReads(reader)
        self.get_task = tasks.get_task
        self.get_tasks = tasks.get_tasks
        self.task_by_key = tasks.task_by_key
        self.list_tasks = tasks.list_tasks
        self.ready_tasks = tasks.ready_tasks
        self.doomed_tasks = tasks.doomed_tasks
        self.existing_ids = tasks.existing_ids
        self.existing_keys = tasks.existing_keys
        self.dep_results = tasks.dep_results
        self.attempts = tasks.attempts
        self.attempts_by_id = tasks.attempts_by_id
        self.running_attempts = tasks.running_attempts
        self.failed_attempts = tasks.failed_attempts
        self.failed_by_model = tasks.failed_by_model
        self.events = tasks.events

        queue = TaskRows(reader)
        self.recent_task_rows = queue.recent_task_rows
        self.queued_task_rows = queue.queued_task_rows
        self.older_task_rows = queue.older_task_rows

        self.provider_limits: dict[str, int] = {}
        """Per provider, attempts and slot holds allowed at once across every process
        (``max_concurrent``; set by ``core/parts.py`` from the config); a claim or a hold
        beyond it is not made."""
        self.agent_limits: dict[str, int] = {}
        """Per agent, its attempts allowed at once across every process (``max_concurrent``;
        set by ``core/parts.py`` from the config); a claim beyond it is not made."""

        def limits() -> dict[str, int]:
            return self.provider_limits

        def agent_limits() -> dict[str, int]:
            return self.agent_limits

        claims = Claims(self.writer, limits, agent_limits)
        self.claim_many = claims.claim_many
        self.claim = claims.claim

        writes = TaskWrites(self.writer)
        self.insert_tasks = writes.insert_tasks
        self.add_tasks = writes.add_tasks
        self.transition = writes.transition
        self.update_task = writes.update_task
        self.finish_attempt = writes.finish_attempt
        self.renew_leases = writes.renew_leases
        self.recover = writes.recover
        self.charge_abandoned = writes.charge_abandoned
        self.append_output = writes.append_output

        slots = SlotRecords(reader, self.writer)
        self.take_slot = slots.take_slot
        self.release_slot = slots.release_slot
        self.renew_slots = slots.renew_slots
        self.swarm_load = slots.swarm_load

        flags = FlagRecords(reader, self.writer)
        self.flags = flags.flags
        self.set_flag = flags.set_flag

        tools = ToolRecords(reader, self.writer)
        self.record_tool_call = tools.record_tool_call
        self.tool_calls = tools.tool_calls
        self.approval = tools.approval
        self.set_approval = tools.set_approval
        self.memory = tools.memory
        self.memories = tools.memories
        self.put_memory = tools.put_memory
        self.update_memory = tools.update_memory
        self.delete_memory = tools.delete_memory
        self.rename_memory = tools.rename_memory

        consensus = ConsensusRecords(reader, self.writer)
        self.save_consensus = consensus.save_consensus
        self.settle_consensus = consensus.settle_consensus
        self.consensus = consensus.consensus
        self.waiting_consensus = consensus.waiting_consensus
        self.consensus_since = consensus.consensus_since
        self.model_standing = consensus.model_standing

        goals = GoalRecords(reader, self.writer)
        self.insert_goal = goals.insert_goal
        self.update_goal = goals.update_goal
        self.get_goal = goals.get_goal
        self.goal_by_key = goals.goal_by_key
        self.list_goals = goals.list_goals
        self.goal_tasks = goals.goal_tasks

        evals = EvalRecords(reader, self.writer)
        self.eval_run = evals.eval_run
        self.eval_runs = evals.eval_runs
        self.add_eval_run = evals.add_eval_run
        self.save_eval_result = evals.save_eval_result
        self.eval_results = evals.eval_results
        self.eval_evidence = evals.eval_evidence
        self.save_eval_pair = evals.save_eval_pair
        self.eval_pairs = evals.eval_pairs
        self.add_shadow = evals.add_shadow
        self.update_shadow = evals.update_shadow
        self.shadow_samples = evals.shadow_samples

        workspaces = WorkspaceRecords(reader, self.writer)
        self.save_workspace = workspaces.save_workspace
        self.set_workspace = workspaces.set_workspace
        self.record_round = workspaces.record_round
        self.record_refusal = workspaces.record_refusal
        self.workspace_rows = workspaces.workspace_rows
        self.workspace_of = workspaces.workspace_of
        self.workspace_rounds = workspaces.workspace_rounds
        self.check_runs = workspaces.check_runs

        children = ChildRecords(reader, self.writer)
        self.record_child = children.record_child
        self.clear_child = children.clear_child
        self.children = children.children
        self.children_left = children.children_left
        self.settle_child = children.settle_child

        spend = SpendReads(reader, consensus, evals)
        self.totals = spend.totals
        self.spent = spend.spent
        self.report_figures = spend.report_figures

        self.budget_holds = HoldReads(reader.rows).budget_holds

    async def log_event(
        self,
        ts: float,
        kind: str,
        task_id: int | None,
        attempt_id: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """One event-log row (the journal's), durable when it returns."""

        def op(conn: sqlite3.Connection) -> None:
            write_event_sync(conn, ts, kind, task_id, attempt_id, data)

        await self.writer.run_sync(op)

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        commit_interval: float = 0.05,
        readonly: bool = False,
        check: bool = False,
    ) -> SqliteLedger:
        """Open (``readonly``: never create, migrate or write) the ledger at ``path``;
        ``check`` runs ``PRAGMA quick_check`` first and refuses a damaged file."""
        had_folder, had_file = _found(path)
        write = await connect(path, readonly=readonly, check=check)
        try:
            read = await connect(path, readonly=readonly)
        except LedgerError:
            await write.close()
            raise
        ledger = cls(path, write, read, commit_interval)
        ledger.created, ledger.made_folder = not had_file, not had_folder
        ledger.writer.start()
        return ledger

    async def close(self) -> None:
        await self.writer.close()
        await self._read.close()
        await self._write.close()
