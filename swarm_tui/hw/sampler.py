"""The hardware sampler: reads every source at an interval, keeps a bounded history, runs the
alerts and publishes a :class:`HardwareSampled` event (on the orchestrator's bus, or any
callback). Sources are read concurrently; one that fails or hangs past ``timeout_s`` is
recorded in the sample's ``errors`` and the others still count.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence

from swarm_tui.config.hardware import HardwareConfig
from swarm_tui.hw.alerts import AlertEngine
from swarm_tui.hw.events import HardwareSampled
from swarm_tui.hw.gpu import NvmlReader
from swarm_tui.hw.host import HostReader
from swarm_tui.hw.model import HardwareSample
from swarm_tui.hw.ollama_ps import OllamaPs
from swarm_tui.hw.remote import GpuExporterSource, NodeExporterSource, ProbeSource
from swarm_tui.hw.sources import Reading, Source

__all__ = ["Sampler", "build_sources", "make_sampler"]

Publish = Callable[[HardwareSampled], None]


class Sampler:
    def __init__(
        self,
        sources: Sequence[Source],
        *,
        interval_s: float = 2.0,
        history: int = 300,
        timeout_s: float = 5.0,
        alerts: AlertEngine | None = None,
        publish: Publish | None = None,
        clock: Callable[[], float] = time.time,
        label: str = "local",
    ) -> None:
        self.sources = list(sources)
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.history: deque[HardwareSample] = deque(maxlen=history)
        self.alerts = alerts or AlertEngine()
        self.publish = publish
        self.clock = clock
        self.label = label
        self.latest: HardwareSampled | None = None

    async def sample_once(self) -> HardwareSampled:
        readings = await asyncio.gather(*(self._read(s) for s in self.sources))
        host = next((r.host for r in readings if r.host is not None), None)
        gpus = [r.gpu for r in readings if r.gpu is not None]
        gpu = next((g for g in gpus if g.available), gpus[0] if gpus else None)
        ollamas = [r.ollama for r in readings if r.ollama is not None]
        ollama = next((o for o in ollamas if o.reachable), ollamas[0] if ollamas else None)
        errors = tuple(e for r in readings for e in r.errors)
        sample = HardwareSample(self.clock(), self.label, host, gpu, ollama, errors)
        event = HardwareSampled(sample, self.alerts.update(sample))
        self.history.append(sample)
        self.latest = event
        if self.publish is not None:
            self.publish(event)
        return event

    async def run(self) -> None:
        """Sample until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await self.sample_once()
            await asyncio.sleep(max(0.0, self.interval_s - (loop.time() - started)))

    async def aclose(self) -> None:
        for source in self.sources:
            close = getattr(source, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()
            elif isinstance(source, NvmlReader):
                await asyncio.to_thread(source.close)

    async def _read(self, source: Source) -> Reading:
        try:
            async with asyncio.timeout(self.timeout_s):
                return await source.read()
        except TimeoutError:
            return Reading(errors=(f"{source.name}: no reading within {self.timeout_s:g} s",))
        except Exception as exc:  # a broken source must not stop the others
            return Reading(errors=(f"{source.name}: {type(exc).__name__}: {exc}",))


def build_sources(config: HardwareConfig, env: Mapping[str, str] | None = None) -> list[Source]:
    """The sources ``config`` asks for: remote exporters and probe first (they win for their
    part), then Ollama, then this machine's psutil and NVML when nothing remote is set.
    For each part the first good reading wins (an available GPU, a reachable Ollama)."""
    env = os.environ if env is None else env
    t = config.timeout_s
    sources: list[Source] = []
    if config.node_exporter_url:
        sources.append(NodeExporterSource(config.node_exporter_url, timeout_s=t))
    if config.gpu_exporter_url:
        sources.append(GpuExporterSource(config.gpu_exporter_url, timeout_s=t))
    if config.probe_url:
        token = env.get(config.probe_token_env) or None
        sources.append(ProbeSource(config.probe_url, token=token, timeout_s=t))
    if config.ollama_base_url:
        sources.append(OllamaPs(config.ollama_base_url, timeout_s=t))
    if not config.remote:
        sources.append(HostReader(top=config.top_processes))
        sources.append(NvmlReader())
    return sources


def make_sampler(
    config: HardwareConfig,
    *,
    publish: Publish | None = None,
    clock: Callable[[], float] = time.time,
    env: Mapping[str, str] | None = None,
) -> Sampler:
    label = config.probe_url or config.node_exporter_url or config.gpu_exporter_url or "local"
    return Sampler(
        build_sources(config, env),
        interval_s=config.interval_s,
        history=config.history,
        timeout_s=config.timeout_s + 2.0,
        alerts=AlertEngine(config.thresholds),
        publish=publish,
        clock=clock,
        label=label,
    )
