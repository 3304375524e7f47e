"""The ledger on PostgreSQL: the facade of ``store/ledger.py`` over the PostgreSQL parts,
binding the same names (``ledger.get_task``, ``ledger.claim_many``...) with the same meaning.

Three connections: the writer's (group commit, ``swarm.origin`` set so the feed tells this
ledger's own changes), the reads', and one that ``LISTEN``s for the feed's notifications.
``path`` is the local folder's ledger path all the same (logs, worktrees and the service's
socket live beside it); ``shown`` is the URL as messages say it (no password).
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

from swarm_tui.store.holds import HoldReads
from swarm_tui.store.pg.changes import PgChanges
from swarm_tui.store.pg.children import PgChildren
from swarm_tui.store.pg.claims import PgClaims
from swarm_tui.store.pg.connect import PgConn, check_readable, clock_offset, migrate, open_conn
from swarm_tui.store.pg.evals import PgEvals
from swarm_tui.store.pg.goals import PgGoals
from swarm_tui.store.pg.leases import OwnLeases
from swarm_tui.store.pg.reader import PgReader
from swarm_tui.store.pg.records import PgConsensus, PgFlags, PgSpend, PgTools
from swarm_tui.store.pg.slots import PgSlots
from swarm_tui.store.pg.task_reads import PgTaskReads, PgTaskRows
from swarm_tui.store.pg.task_writes import PgTaskWrites, pg_event
from swarm_tui.store.pg.url import PgTarget
from swarm_tui.store.pg.workspaces import PgWorkspaces
from swarm_tui.store.pg.writer import PgWriter

__all__ = ["PgLedger"]


class PgLedger:
    backend = "postgresql"

    def __init__(
        self,
        target: PgTarget,
        path: Path,
        write: PgConn,
        read: PgConn,
        interval: float,
        origin: int,
        readonly: bool,
    ) -> None:
        self.target = target
        self.shown = target.shown
        self.path = path
        self._write = write
        self._read = read
        self.created = False
        self.made_folder = False
        self.offset = 0.0
        """The server's clock minus this host's, seconds (measured at open and each renewal)."""

        async def reconnect() -> PgConn:
            return await open_conn(target, origin=origin)

        async def listen() -> PgConn:
            return await open_conn(target, readonly=True)

        async def read_again() -> PgConn:
            return await open_conn(target, readonly=readonly)

        self.writer = PgWriter(write, reconnect, interval=interval, shown=self.shown)
        reader = self._reader = PgReader(self.shown, read, read_again)  # connects again
        self.changes = PgChanges(reader, self.shown, origin, listen)  # readers wait too
        self.writer.on_commit = self.changes.bump
        self.integrity_check = reader.integrity_check
        self.data_version = self.changes.data_version

        def offset() -> float:
            return self.offset

        tasks = PgTaskReads(reader)
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

        queue = PgTaskRows(reader)
        self.recent_task_rows = queue.recent_task_rows
        self.queued_task_rows = queue.queued_task_rows
        self.older_task_rows = queue.older_task_rows

        self.provider_limits: dict[str, int] = {}
        """Per provider, attempts and slot holds allowed at once across every host
        (``max_concurrent``; set by ``core/parts.py`` from the config); a claim or a hold
        beyond it is not made."""
        self.agent_limits: dict[str, int] = {}
        """Per agent, its attempts allowed at once across every host (``max_concurrent``;
        set by ``core/parts.py`` from the config); a claim beyond it is not made."""

        def limits() -> dict[str, int]:
            return self.provider_limits

        def agent_limits() -> dict[str, int]:
            return self.agent_limits

        self._own_leases = OwnLeases()
        """This ledger's running attempts, renewed first on a new connection (leases.py)."""
        self.writer.on_connect = self._own_leases.renew_first
        claims = PgClaims(self.writer, offset, limits, agent_limits, self._own_leases)
        self.claim_many = claims.claim_many
        self.claim = claims.claim

        slots = PgSlots(reader, self.writer, offset)
        self.take_slot = slots.take_slot
        self.release_slot = slots.release_slot
        self.renew_slots = slots.renew_slots
        self.swarm_load = slots.swarm_load

        writes = PgTaskWrites(self.writer, offset, self._own_leases)
        self.insert_tasks = writes.insert_tasks
        self.add_tasks = writes.add_tasks
        self.transition = writes.transition
        self.update_task = writes.update_task
        self.finish_attempt = writes.finish_attempt
        self._renew = writes.renew_leases
        self.recover = writes.recover
        self.charge_abandoned = writes.charge_abandoned
        self.append_output = writes.append_output

        flags = PgFlags(reader, self.writer)
        self.flags = flags.flags
        self.set_flag = flags.set_flag

        tools = PgTools(reader, self.writer)
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

        consensus = PgConsensus(reader, self.writer)
        self.save_consensus = consensus.save_consensus
        self.settle_consensus = consensus.settle_consensus
        self.consensus = consensus.consensus
        self.waiting_consensus = consensus.waiting_consensus
        self.consensus_since = consensus.consensus_since
        self.model_standing = consensus.model_standing

        goals = PgGoals(reader, self.writer)
        self.insert_goal = goals.insert_goal
        self.update_goal = goals.update_goal
        self.get_goal = goals.get_goal
        self.goal_by_key = goals.goal_by_key
        self.list_goals = goals.list_goals
        self.goal_tasks = goals.goal_tasks

        evals = PgEvals(reader, self.writer)
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

        workspaces = PgWorkspaces(reader, self.writer)
        self.save_workspace = workspaces.save_workspace
        self.set_workspace = workspaces.set_workspace
        self.record_round = workspaces.record_round
        self.record_refusal = workspaces.record_refusal
        self.workspace_rows = workspaces.workspace_rows
        self.workspace_of = workspaces.workspace_of
        self.workspace_rounds = workspaces.workspace_rounds
        self.check_runs = workspaces.check_runs

        children = PgChildren(reader, self.writer)
        self.record_child = children.record_child
        self.clear_child = children.clear_child
        self.children = children.children
        self.children_left = children.children_left
        self.settle_child = children.settle_child

        spend = PgSpend(reader, consensus, evals)
        self.totals = spend.totals
        self.spent = spend.spent
        self.report_figures = spend.report_figures

        self.budget_holds = HoldReads(reader.rows).budget_holds

    async def renew_leases(
        self, owner: str, now: float, lease_until: float, ids: Collection[int] | None = None
    ) -> int:
        """Measure the server's clock again, then extend ``owner``'s leases on it."""
        with contextlib.suppress(Exception):  # the read connection is down: keep the last
            self.offset = await clock_offset(await self._reader.connection())
        return await self._renew(owner, now, lease_until, ids)

    async def log_event(
        self,
        ts: float,
        kind: str,
        task_id: int | None,
        attempt_id: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """One event-log row (the journal's), durable when it returns."""

        async def op(conn: PgConn) -> None:
            await pg_event(conn, ts, kind, task_id, attempt_id, data)

        await self.writer.run(op)

    @classmethod
    async def open(
        cls,
        target: PgTarget,
        path: Path,
        *,
        commit_interval: float = 0.05,
        readonly: bool = False,
        check: bool = False,
    ) -> PgLedger:
        """Connect, migrate (never when ``readonly``) and start the writer and the listener.
        ``check`` is accepted for the SQLite ledger's sake (PostgreSQL checks its own pages)."""
        origin = secrets.randbits(62) + 1  # tags this ledger's own changes (no two alike)
        write = await open_conn(target, readonly=readonly, origin=origin)
        read: PgConn | None = None
        try:
            read = await open_conn(target, readonly=readonly)
            if readonly:
                await check_readable(read, target.shown)
                created = False
            else:
                created = await migrate(write, target.shown, time.time)
            ledger = cls(target, path, write, read, commit_interval, origin, readonly)
            ledger.offset = await clock_offset(read)
        except BaseException:
            if read is not None:
                await read.close()
            await write.close()
            raise
        ledger.created = created
        ledger.writer.start()
        await ledger.changes.start()
        return ledger

    async def close(self) -> None:
        try:
            await self.writer.close()
        finally:
            await self.changes.close()
            await self._reader.close()
            await self.writer.conn.close()  # the writer's own (a new one after a restart)
            if self.writer.conn is not self._write:
                await self._write.close()
