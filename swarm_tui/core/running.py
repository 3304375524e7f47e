"""What the orchestrator keeps per attempt in flight: the run and the job that drives it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from swarm_tui.core.consensus_run import ConsensusRun
from swarm_tui.core.runner import AttemptRun

__all__ = ["Running"]


@dataclass
class Running:
    run: AttemptRun | ConsensusRun
    """A single-model attempt, or a consensus/review run (one attempt over many models)."""
    job: asyncio.Task[None]
