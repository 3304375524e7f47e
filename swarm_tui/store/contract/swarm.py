"""The parts of the ledger contract that keep the swarm honest across processes and hosts:
budget holds (``store/holds.py``), provider slot holds (``store/slots.py``) and the agent CLI
children an attempt runs (``store/children.py``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from swarm_tui.domain.children import ChildRecord
from swarm_tui.store.holds import BudgetHold
from swarm_tui.store.slots import LoadRow

__all__ = ["ChildrenAPI", "HoldsAPI", "SlotsAPI"]


class HoldsAPI(Protocol):
    """Budget holds: written with the claims, read here."""

    async def budget_holds(self) -> list[BudgetHold]: ...


class SlotsAPI(Protocol):
    """A provider's limit held by calls outside an attempt of their own (consensus calls)."""

    provider_limits: dict[str, int]
    """Per provider, what may run at once across every process and host (set from the
    config by ``core/parts.py``)."""
    agent_limits: dict[str, int]
    """Per agent, how many of its attempts may run at once across every process and host
    (set from the config by ``core/parts.py``); claims count them (``store/claim_room.py``)."""

    async def take_slot(
        self,
        provider: str,
        model: str,
        *,
        limit: int,
        owner: str,
        purpose: str,
        now: float,
        lease_until: float,
    ) -> int | None: ...
    async def release_slot(self, slot_id: int) -> bool: ...
    async def renew_slots(
        self, owner: str, now: float, lease_until: float, ids: Collection[int]
    ) -> int: ...
    async def swarm_load(self, now: float) -> list[LoadRow]: ...


class ChildrenAPI(Protocol):
    """Agent CLI processes an attempt runs (stopped on recovery when left by a killed run)."""

    async def record_child(self, rec: ChildRecord) -> None: ...
    async def clear_child(self, attempt_id: int, pid: int) -> None: ...
    async def children(self, attempt_ids: Collection[int]) -> list[ChildRecord]: ...
    async def children_left(self, host: str) -> list[ChildRecord]: ...
    async def settle_child(
        self, rec: ChildRecord, outcome: str, note: str, now: float, *, keep: bool = False
    ) -> None: ...
