"""Who may run which tool: policies, stored approvals pinned to a definition hash, humans.

Deny by default: a tool reaches the gate only if the agent's ``mcp_servers`` allow it. Then
the most specific ``[mcp.policies]`` pattern (else ``default_policy``) decides: ``deny``
refuses, ``auto`` runs, ``ask`` waits for a human (or follows ``headless_ask`` when nobody
can answer). Every approval is stored with the hash of the tool's description and schema: a
tool whose definition changed since is held for a human again, even under ``auto``. Nothing a
server says about its tools (annotations) and nothing a tool returns changes any of this.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from swarm_tui.config import MCPConfig
from swarm_tui.domain.toolnames import longest_match
from swarm_tui.store.tools import Approval, ToolStore

__all__ = ["ApprovalGate", "Decision", "PendingApproval"]

ANSWERS = ("once", "always", "deny")


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    by: str
    """``policy:auto``, ``stored:always``, ``human:once``, ``human:always``, ``human:deny``,
    ``policy:deny``, ``headless:deny``, ``headless:auto``."""


@dataclass
class PendingApproval:
    """A tool call held until a human answers."""

    id: int
    agent: str
    task_id: int
    attempt_id: int
    tool: str
    arguments: dict[str, object]
    def_hash: str
    reason: str
    future: asyncio.Future[str] = field(repr=False)


class ApprovalGate:
    def __init__(
        self,
        config: MCPConfig,
        store: ToolStore,
        clock: Callable[[], float],
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.notify = notify
        self.interactive = False
        """True while a human can answer (the control room is open)."""
        self.pending: dict[int, PendingApproval] = {}
        self._ids = itertools.count(1)

    def policy(self, tool: str) -> str:
        found = longest_match(dict(self.config.policies), tool)
        if found is not None:
            return found
        return "auto" if tool.startswith("swarm__") else self.config.default_policy

    async def decide(
        self,
        agent: str,
        tool: str,
        def_hash: str,
        arguments: dict[str, object],
        *,
        task_id: int = 0,
        attempt_id: int = 0,
    ) -> Decision:
        policy = self.policy(tool)
        if policy == "deny":
            return Decision(False, "policy:deny")
        stored = await self.store.approval(agent, tool)
        reason = f"policy is ask for {tool}"
        if stored is not None and stored.def_hash != def_hash:
            reason = f"{tool}'s description or schema changed since it was approved"
        elif stored is not None and stored.decision == "always":
            return Decision(True, "stored:always")
        elif policy == "auto":
            if stored is None:
                await self._store(agent, tool, def_hash, "auto", "policy:auto")
            return Decision(True, "policy:auto")
        if not self.interactive:
            if self.config.headless_ask == "auto":
                await self._store(agent, tool, def_hash, "auto", "headless:auto")
                return Decision(True, "headless:auto")
            return Decision(False, "headless:deny")
        answer = await self._ask(agent, tool, def_hash, arguments, reason, task_id, attempt_id)
        if answer == "deny":
            return Decision(False, "human:deny")
        await self._store(
            agent, tool, def_hash, "always" if answer == "always" else "auto", "human"
        )
        return Decision(True, f"human:{answer}")

    async def _store(self, agent: str, tool: str, def_hash: str, decision: str, by: str) -> None:
        await self.store.set_approval(Approval(agent, tool, def_hash, decision, by, self.clock()))

    async def _ask(
        self,
        agent: str,
        tool: str,
        def_hash: str,
        arguments: dict[str, object],
        reason: str,
        task_id: int,
        attempt_id: int,
    ) -> str:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        pending = PendingApproval(
            next(self._ids), agent, task_id, attempt_id, tool, arguments, def_hash, reason, future
        )
        self.pending[pending.id] = pending
        if self.notify is not None:
            self.notify(f"task #{task_id}: {agent} wants to run {tool} ({reason}); approve it")
        try:
            return await future
        finally:
            self.pending.pop(pending.id, None)

    def answer(self, approval_id: int, answer: str) -> bool:
        """Answer a pending approval: ``once``, ``always`` or ``deny``. False if gone."""
        if answer not in ANSWERS:
            raise ValueError(f"answer must be one of {', '.join(ANSWERS)}")
        pending = self.pending.get(approval_id)
        if pending is None or pending.future.done():
            return False
        pending.future.set_result(answer)
        return True
