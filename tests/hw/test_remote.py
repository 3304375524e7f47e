"""Remote exporters scraped over loopback, the way the sampler reads a remote GPU host."""

from __future__ import annotations

from pathlib import Path

from swarm_tui.hw.remote import GpuExporterSource, NodeExporterSource
from swarm_tui.hw.sampler import Sampler
from tests.providers.loopback import LoopbackServer, Reply

FIXTURES = Path(__file__).parent / "fixtures"
PROM = "text/plain; version=0.0.4; charset=utf-8"


def text(name: str) -> Reply:
    return Reply(200, [(FIXTURES / name).read_bytes()], PROM)


async def test_a_remote_gpu_host_from_its_exporters() -> None:
    async with LoopbackServer() as srv:
        srv.route("GET", "/node", text("node_exporter_1.prom"), text("node_exporter_2.prom"))
        srv.route("GET", "/dcgm", text("dcgm_exporter.prom"))
        node = NodeExporterSource(srv.url + "/node")
        dcgm = GpuExporterSource(srv.url + "/dcgm")
        sampler = Sampler([node, dcgm], label=srv.url)
        try:
            first = (await sampler.sample_once()).sample
            second = await sampler.sample_once()
        finally:
            await sampler.aclose()
    assert first.host is not None and first.host.cpu_percent is None
    s = second.sample
    assert s.host is not None and s.host.cpu_percent == 75.0 and s.host.hostname == "gpu-laptop"
    assert s.gpu is not None and s.gpu.gpus[0].name.startswith("NVIDIA GeForce")
    kinds = sorted(a.kind for a in second.alerts.active)
    assert kinds == ["battery", "gpu_temp", "throttle", "vram"]


async def test_a_failing_exporter_degrades_only_its_part() -> None:
    async with LoopbackServer() as srv:
        srv.route("GET", "/node", text("node_exporter_1.prom"))
        srv.route("GET", "/gpu", Reply(503, [b"down"], "text/plain"))
        srv.route("GET", "/empty", Reply(200, [b"# nothing here\n"], PROM))
        sources = [GpuExporterSource(srv.url + "/gpu"), NodeExporterSource(srv.url + "/node")]
        sampler = Sampler(sources)
        empty = NodeExporterSource(srv.url + "/empty")
        try:
            s = (await sampler.sample_once()).sample
            nothing = await empty.read()
        finally:
            await sampler.aclose()
            await empty.aclose()
    assert s.host is not None and s.host.hostname == "gpu-laptop"
    assert s.gpu is not None and not s.gpu.available and "HTTP 503" in s.gpu.reason
    assert nothing.host is None and "no metrics" in nothing.errors[0]
