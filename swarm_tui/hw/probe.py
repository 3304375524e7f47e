"""``swarm-tui probe --serve``: this host's hardware, read-only over HTTP, for a control room
on another machine. ``GET /sample`` is the sample as JSON, ``GET /metrics`` the same in the
Prometheus text format.

It binds 127.0.0.1 by default. It refuses to bind anything but a loopback address without a
token; with a token every request needs ``Authorization: Bearer <token>``. Without a token,
a request must name this host by a loopback name or the bound address in its ``Host`` header
(or a name allowed with ``--allow-host``): a web page that rebinds its own name to 127.0.0.1
cannot read ``/sample``. No request can change anything: only GET is answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, Iterator, Sequence

from swarm_tui.hw.model import HardwareSample
from swarm_tui.hw.promtext import family

__all__ = ["ProbeError", "ProbeServer", "check_bind", "is_loopback", "metrics_text"]

MAX_HEAD = 16 * 1024
READ_TIMEOUT_S = 10.0


class ProbeError(Exception):
    pass


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name could resolve anywhere: treat it as exposed


def check_bind(host: str, token: str | None) -> None:
    """Refuse a non-loopback address without a token (before anything is bound)."""
    if not is_loopback(host) and not token:
        raise ProbeError(
            f"refusing to serve on {host} without a token: anyone who can reach it could read "
            "this host; set SWARM_TUI_PROBE_TOKEN (or --token-file FILE), or bind 127.0.0.1"
        )


def metrics_text(sample: HardwareSample) -> str:
    return "\n".join(_metrics(sample)) + "\n"


def _metrics(s: HardwareSample) -> Iterator[str]:
    p = "swarm_hw_"
    host = s.host
    if host is not None:
        yield from family(
            p + "cpu_percent", "gauge", "CPU use, whole host (0-100).", [({}, host.cpu_percent)]
        )
        yield from family(
            p + "memory_total_bytes", "gauge", "RAM.", [({}, _f(host.mem_total_bytes))]
        )
        yield from family(
            p + "memory_available_bytes",
            "gauge",
            "RAM available.",
            [({}, _f(host.mem_available_bytes))],
        )
        if host.load is not None:
            yield from family(p + "load1", "gauge", "1-minute load average.", [({}, host.load[0])])
        yield from family(
            p + "filesystem_used_bytes",
            "gauge",
            "Disk used per mount.",
            [({"mountpoint": d.mountpoint}, float(d.used_bytes)) for d in host.disks],
        )
        yield from family(
            p + "filesystem_size_bytes",
            "gauge",
            "Disk size per mount.",
            [({"mountpoint": d.mountpoint}, float(d.total_bytes)) for d in host.disks],
        )
        yield from family(
            p + "temperature_celsius",
            "gauge",
            "Host sensor temperatures.",
            [({"sensor": t.label}, t.celsius) for t in host.temperatures],
        )
        if host.battery is not None:
            yield from family(
                p + "battery_percent", "gauge", "Battery charge.", [({}, host.battery.percent)]
            )
    gpu = s.gpu
    if gpu is not None:
        yield from family(
            p + "gpu_available",
            "gauge",
            "1 when NVML reads the GPUs.",
            [({"reason": gpu.reason}, float(gpu.available))],
        )
        gpus = [({"gpu": str(g.index), "name": g.name, "uuid": g.uuid}, g) for g in gpu.gpus]
        for name, doc, get in (
            ("gpu_utilization_percent", "GPU utilisation (0-100).", lambda g: g.util_percent),
            ("gpu_memory_used_bytes", "VRAM used.", lambda g: _f(g.vram_used_bytes)),
            ("gpu_memory_total_bytes", "VRAM total.", lambda g: _f(g.vram_total_bytes)),
            ("gpu_temperature_celsius", "GPU temperature.", lambda g: g.temperature_c),
            ("gpu_power_watts", "GPU power draw.", lambda g: g.power_w),
            (
                "gpu_throttled",
                "1 when clocks are slowed for heat or power.",
                lambda g: float(bool(g.throttle)),
            ),
        ):
            yield from family(p + name, "gauge", doc, [(lb, get(g)) for lb, g in gpus])
    ollama = s.ollama
    if ollama is not None:
        yield from family(
            p + "ollama_up", "gauge", "1 when Ollama answers.", [({}, float(ollama.reachable))]
        )
        models = [({"model": m.name}, m) for m in ollama.models]
        yield from family(
            p + "ollama_model_size_bytes",
            "gauge",
            "Loaded model size (RAM+VRAM).",
            [(lb, float(m.size_bytes)) for lb, m in models],
        )
        yield from family(
            p + "ollama_model_vram_bytes",
            "gauge",
            "Loaded model bytes in VRAM.",
            [(lb, float(m.size_vram_bytes)) for lb, m in models],
        )


def _f(value: int | None) -> float | None:
    return float(value) if value is not None else None


class ProbeServer:
    """``async with ProbeServer(latest, host, port, token) as server: server.url``.

    ``latest`` returns the sample to serve (a running sampler's newest one)."""

    def __init__(
        self,
        latest: Callable[[], Awaitable[HardwareSample]],
        host: str = "127.0.0.1",
        port: int = 9477,
        token: str | None = None,
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        check_bind(host, token)
        self.latest = latest
        self.host = host
        self.port = port
        self.token = token
        self.allowed_hosts = {h.lower() for h in allowed_hosts} | {host.strip("[]").lower()}
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._on_connect, self.host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> ProbeServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_TIMEOUT_S):
                head = await reader.readuntil(b"\r\n\r\n")
            status, ctype, body, extra = await self._answer(head)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            status, ctype, body, extra = 400, "text/plain", b"bad request\n", {}
        except ConnectionError:
            writer.close()
            return
        with contextlib.suppress(ConnectionError):
            await self._write(writer, status, ctype, body, extra)
        writer.close()

    async def _answer(self, head: bytes) -> tuple[int, str, bytes, dict[str, str]]:
        if len(head) > MAX_HEAD:
            return 431, "text/plain", b"request head too large\n", {}
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return 400, "text/plain", b"bad request line\n", {}
        method, target, _ = parts
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        if method != "GET":
            return 405, "text/plain", b"read-only: GET only\n", {"Allow": "GET"}
        if self.token and not _authorised(headers.get("authorization", ""), self.token):
            return 401, "text/plain", b"bearer token required\n", {"WWW-Authenticate": "Bearer"}
        if not self.token and not self._host_allowed(headers.get("host", "")):
            return 421, "text/plain", b"this Host is not served here (see --allow-host)\n", {}
        path = target.split("?", 1)[0]
        if path not in ("/sample", "/metrics"):
            return 404, "text/plain", b"not found: try /sample or /metrics\n", {}
        try:
            sample = await self.latest()
        except Exception as exc:  # report it to the client; keep serving
            return 500, "text/plain", f"no sample: {type(exc).__name__}\n".encode(), {}
        if path == "/sample":
            return 200, "application/json", json.dumps(sample.to_json()).encode(), {}
        return 200, "text/plain; version=0.0.4; charset=utf-8", metrics_text(sample).encode(), {}

    def _host_allowed(self, header: str) -> bool:
        """A loopback name, the bound address, or an allowed name (any port)."""
        if header.startswith("["):
            name = header[1:].partition("]")[0]
        else:
            name = header.rpartition(":")[0] if ":" in header else header
        name = name.lower()
        return bool(name) and (is_loopback(name) or name in self.allowed_hosts)

    @staticmethod
    async def _write(
        writer: asyncio.StreamWriter,
        status: int,
        ctype: str,
        body: bytes,
        extra: dict[str, str],
    ) -> None:
        lines = [
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
            f"Content-Type: {ctype}",
            f"Content-Length: {len(body)}",
            "Cache-Control: no-store",
            "Connection: close",
        ]
        lines += [f"{k}: {v}" for k, v in extra.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()


def _authorised(header: str, token: str) -> bool:
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
    421: "Misdirected Request",
    431: "Request Header Fields Too Large",
}
