"""The sampler: merging sources, a bounded history, events on the real event bus."""

from __future__ import annotations

import asyncio

from swarm_tui.config.hardware import HardwareConfig
from swarm_tui.core.bus import EventBus
from swarm_tui.hw.events import HardwareSampled
from swarm_tui.hw.model import GpuStatus, OllamaStatus
from swarm_tui.hw.sampler import Sampler, build_sources
from swarm_tui.hw.sources import Reading
from tests.hw.samples import NO_DRIVER_GPU, ScriptedSource, gpu, host, ollama


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 2.0
        return self.now


async def test_history_is_bounded_and_keeps_the_newest() -> None:
    source = ScriptedSource([Reading(host=host(cpu=float(i))) for i in range(10)])
    sampler = Sampler([source], history=4, clock=Clock())
    for _ in range(10):
        await sampler.sample_once()
    assert len(sampler.history) == 4
    assert [s.host.cpu_percent for s in sampler.history if s.host] == [6.0, 7.0, 8.0, 9.0]
    assert [s.time for s in sampler.history] == [1014.0, 1016.0, 1018.0, 1020.0]
    assert sampler.latest is not None and sampler.latest.sample is sampler.history[-1]


async def test_events_reach_the_orchestrators_bus_with_alerts() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    hot = Reading(gpu=gpu(temp=91.0))
    sampler = Sampler([ScriptedSource([hot])], publish=bus.publish)  # type: ignore[arg-type]
    await sampler.sample_once()
    [event] = sub.get_nowait()
    assert isinstance(event, HardwareSampled)
    assert [a.key for a in event.raised] == ["gpu_temp:0"]


async def test_first_good_part_wins_and_failures_are_recorded() -> None:
    class Broken:
        name = "broken"

        async def read(self) -> Reading:
            raise RuntimeError("sensor on fire")

    class Hangs:
        name = "hangs"

        async def read(self) -> Reading:
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

    sources = [
        ScriptedSource([Reading(gpu=NO_DRIVER_GPU, ollama=OllamaStatus(False, error="down"))]),
        ScriptedSource([Reading(host=host(), gpu=gpu(), ollama=ollama())]),
        Broken(),
        Hangs(),
    ]
    sampler = Sampler(sources, timeout_s=0.05)
    sample = (await sampler.sample_once()).sample
    assert sample.gpu is not None and sample.gpu.available  # the available one, not the first
    assert sample.ollama is not None and sample.ollama.reachable
    assert sample.host is not None
    assert sample.errors == (
        "broken: RuntimeError: sensor on fire",
        "hangs: no reading within 0.05 s",
    )


async def test_run_samples_repeatedly_until_cancelled() -> None:
    seen: list[HardwareSampled] = []
    source = ScriptedSource([Reading(gpu=GpuStatus(False, "x"))])
    sampler = Sampler([source], interval_s=0.0, history=3, publish=seen.append)
    task = asyncio.create_task(sampler.run())
    while len(seen) < 5:
        await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(sampler.history) == 3 and source.reads >= 5


def test_sources_follow_the_config() -> None:
    local = [s.name for s in build_sources(HardwareConfig(), env={})]
    assert local == ["ollama", "host", "gpu"]
    remote = HardwareConfig(
        node_exporter_url="http://gpu:9100/metrics",
        gpu_exporter_url="http://gpu:9400/metrics",
        probe_url="http://gpu:9477",
        ollama_base_url=None,
    )
    assert [s.name for s in build_sources(remote, env={})] == [
        "node_exporter",
        "gpu_exporter",
        "probe",
    ]
