"""Hardware events for the orchestrator's event bus (kept here, next to what they carry)."""

from __future__ import annotations

from dataclasses import dataclass

from swarm_tui.hw.alerts import Alert, AlertUpdate
from swarm_tui.hw.model import HardwareSample

__all__ = ["HardwareSampled"]


@dataclass(frozen=True, slots=True)
class HardwareSampled:
    """One hardware sample and the alerts as they stand after it (every ``interval_s``)."""

    sample: HardwareSample
    alerts: AlertUpdate

    @property
    def raised(self) -> tuple[Alert, ...]:
        """Alerts new with this sample: what the notification hook shows."""
        return self.alerts.raised
