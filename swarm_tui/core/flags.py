"""The ledger's flags as this process last read them: pauses (``paused_all``,
``paused_agent:NAME``) and budget stops (``budget_stop:SCOPE``).

One object shared by the parts that read or set them (the scheduler, spending, the public
API); :meth:`Flags.replace` takes a fresh read of the ledger in place, so every part sees it.

A pause stops the attempts running for what it pauses, in every process on the ledger (an
orchestrator hears of another process's pause through its change feed), unless it was asked
not to (``stop_running=False``): then ``keep_running:FLAG`` is set before the pause, and
cleared before a pause that stops and after a resume.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

__all__ = [
    "AGENT_PAUSE",
    "ALL_PAUSE",
    "KEEP_RUNNING",
    "Flags",
    "keep_running",
    "pause_in",
    "paused_agent",
    "resume_in",
]

ALL_PAUSE = "paused_all"
AGENT_PAUSE = "paused_agent:"
KEEP_RUNNING = "keep_running:"


def keep_running(flag: str) -> str:
    """The flag that says the pause ``flag`` leaves running attempts alone."""
    return f"{KEEP_RUNNING}{flag}"


def paused_agent(flag: str) -> str | None:
    """The agent a ``paused_agent:NAME`` flag pauses; None for any other flag."""
    return flag.removeprefix(AGENT_PAUSE) if flag.startswith(AGENT_PAUSE) else None


class Flags(dict[str, str]):
    def replace(self, values: Mapping[str, str]) -> None:
        """Take ``values`` (a fresh read of the ledger's flags) in place of what was known."""
        self.clear()
        self.update(values)

    def paused_all(self) -> bool:
        return self.get(ALL_PAUSE) == "1"

    def agent_paused(self, agent: str) -> bool:
        return self.get(f"{AGENT_PAUSE}{agent}") == "1"


class _FlagStore(Protocol):
    def flags(self) -> Awaitable[dict[str, str]]: ...


SetFlag = Callable[[str, bool], Awaitable[None]]
"""Sets (True) or clears (False) a flag: in the ledger, and wherever the caller keeps it."""


async def pause_in(ledger: _FlagStore, set_flag: SetFlag, flag: str, stop_running: bool) -> None:
    """Write the pause ``flag``, its ``keep_running`` mark first (set when the pause leaves
    running attempts alone, cleared when it stops them and a mark is there)."""
    if not stop_running or keep_running(flag) in await ledger.flags():
        await set_flag(keep_running(flag), not stop_running)
    await set_flag(flag, True)


async def resume_in(ledger: _FlagStore, set_flag: SetFlag, flag: str) -> None:
    """Clear the pause ``flag``, then its mark."""
    await set_flag(flag, False)
    if keep_running(flag) in await ledger.flags():
        await set_flag(keep_running(flag), False)
