"""The ledger's flags as this process last read them: pauses (``paused_all``,
``paused_agent:NAME``) and budget stops (``budget_stop:SCOPE``).

One object shared by the parts that read or set them (the scheduler, spending, the public
API); :meth:`Flags.replace` takes a fresh read of the ledger in place, so every part sees it.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["Flags"]


class Flags(dict[str, str]):
    def replace(self, values: Mapping[str, str]) -> None:
        """Take ``values`` (a fresh read of the ledger's flags) in place of what was known."""
        self.clear()
        self.update(values)

    def paused_all(self) -> bool:
        return self.get("paused_all") == "1"

    def agent_paused(self, agent: str) -> bool:
        return self.get(f"paused_agent:{agent}") == "1"
