"""Sources for a GPU host that is another machine: its node_exporter, its NVIDIA GPU exporter,
or a ``swarm-tui probe --serve`` running there. Each keeps one ``httpx.AsyncClient``.

A failed scrape degrades only its own part: the host part is left out with the reason in the
sample's errors, the GPU part says why it has no readings.
"""

from __future__ import annotations

import httpx

from swarm_tui.hw.exporters import CpuCounters, gpus_from_exporter, host_from_node
from swarm_tui.hw.model import GpuStatus, HardwareSample, SampleFormatError
from swarm_tui.hw.promtext import PromTextError, Scrape, parse
from swarm_tui.hw.sources import Reading

__all__ = ["GpuExporterSource", "NodeExporterSource", "ProbeSource", "RemoteError"]


class RemoteError(Exception):
    pass


class _Http:
    def __init__(self, url: str, client: httpx.AsyncClient | None, timeout_s: float) -> None:
        self.url = url
        self._own = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout_s, trust_env=False)

    async def aclose(self) -> None:
        if self._own:
            await self._client.aclose()

    async def _fetch(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        try:
            reply = await self._client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise RemoteError(f"{url} unreachable: {exc or type(exc).__name__}") from None
        if reply.status_code != 200:
            raise RemoteError(f"{url}: HTTP {reply.status_code}")
        return reply

    async def _scrape(self) -> Scrape:
        reply = await self._fetch(self.url)
        try:
            scrape = parse(reply.text, strict=False)
        except PromTextError as exc:  # pragma: no cover - strict=False does not raise
            raise RemoteError(f"{self.url}: {exc}") from None
        if not scrape.samples:
            raise RemoteError(f"{self.url}: no metrics in the reply")
        return scrape


class NodeExporterSource(_Http):
    """Host readings from node_exporter's ``/metrics`` (give the full URL)."""

    name = "node_exporter"

    def __init__(
        self, url: str, *, client: httpx.AsyncClient | None = None, timeout_s: float = 3.0
    ) -> None:
        super().__init__(url, client, timeout_s)
        self._before: CpuCounters | None = None

    async def read(self) -> Reading:
        try:
            scrape = await self._scrape()
        except RemoteError as exc:
            return Reading(errors=(f"node_exporter: {exc}",))
        host, self._before = host_from_node(scrape, self._before)
        return Reading(host=host)


class GpuExporterSource(_Http):
    """GPU readings from dcgm-exporter or nvidia_gpu_exporter (detected from the names)."""

    name = "gpu_exporter"

    def __init__(
        self, url: str, *, client: httpx.AsyncClient | None = None, timeout_s: float = 3.0
    ) -> None:
        super().__init__(url, client, timeout_s)

    async def read(self) -> Reading:
        try:
            scrape = await self._scrape()
        except RemoteError as exc:
            return Reading(gpu=GpuStatus(False, f"GPU exporter: {exc}"))
        return Reading(gpu=gpus_from_exporter(scrape))


class ProbeSource(_Http):
    """Everything from ``swarm-tui probe --serve`` on the GPU host (``GET <url>/sample``)."""

    name = "probe"

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        client: httpx.AsyncClient | None = None,
        timeout_s: float = 3.0,
    ) -> None:
        super().__init__(url.rstrip("/"), client, timeout_s)
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def read(self) -> Reading:
        try:
            reply = await self._fetch(self.url + "/sample", self._headers)
            sample = HardwareSample.from_json(reply.json())
        except (RemoteError, SampleFormatError, ValueError) as exc:
            return Reading(gpu=GpuStatus(False, f"probe: {exc}"), errors=(f"probe: {exc}",))
        return Reading(sample.host, sample.gpu, sample.ollama, sample.errors)
