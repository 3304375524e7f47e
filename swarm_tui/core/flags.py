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

from collections.abc import Mapping

__all__ = ["AGENT_PAUSE", "ALL_PAUSE", "KEEP_RUNNING", "Flags", "keep_running", "paused_agent"]

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
