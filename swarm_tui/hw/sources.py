"""What a hardware source is: something with ``name`` and ``async read() -> Reading``.

Each source fills the parts of a sample it knows (host, GPU, Ollama); the sampler merges
them. A source reports its own degraded state in its part (``GpuStatus(available=False)``,
``OllamaStatus(reachable=False)``); an exception from ``read`` is caught by the sampler and
recorded in the sample's ``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from swarm_tui.hw.model import GpuStatus, HostSample, OllamaStatus

__all__ = ["Reading", "Source"]


@dataclass(frozen=True, slots=True)
class Reading:
    host: HostSample | None = None
    gpu: GpuStatus | None = None
    ollama: OllamaStatus | None = None
    errors: tuple[str, ...] = ()


class Source(Protocol):
    @property
    def name(self) -> str: ...

    async def read(self) -> Reading: ...
