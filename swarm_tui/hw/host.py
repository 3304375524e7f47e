"""This machine through psutil: CPU, load, memory, disks, I/O, sensors, battery, top processes.

psutil's CPU percentages compare against the previous call, so one :class:`HostReader` is kept
for the life of a sampler; its first reading primes the counters. Reading is blocking (it walks
``/proc``), so :meth:`HostReader.read` runs in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

import psutil

from swarm_tui.hw.model import Battery, DiskUsage, HostSample, ProcessInfo, Temperature
from swarm_tui.hw.sources import Reading

__all__ = ["HostReader"]

_SKIP_FSTYPES = frozenset({"squashfs", "tmpfs", "devtmpfs", "overlay", "iso9660"})


class HostReader:
    """A source: ``await reader.read()`` gives the host part of a sample."""

    name = "host"

    def __init__(self, *, top: int = 5) -> None:
        self.top = top
        self._cpu_before = _cpu_counters()
        self._processes()  # prime per-process CPU counters

    async def read(self) -> Reading:
        return Reading(host=await asyncio.to_thread(self.sample))

    def sample(self) -> HostSample:
        now = _cpu_counters()
        per_cpu, cpu = _cpu_use(self._cpu_before, now)
        self._cpu_before = now
        mem = psutil.virtual_memory()
        swap = psutil.swap_memory()
        try:
            disk_io = psutil.disk_io_counters()
        except (OSError, RuntimeError):
            disk_io = None
        try:
            net_io = psutil.net_io_counters()
        except (OSError, RuntimeError):
            net_io = None
        return HostSample(
            hostname=socket.gethostname(),
            cpu_percent=cpu,
            cores=psutil.cpu_count() or len(per_cpu) or None,
            per_cpu=per_cpu,
            load=_load(),
            mem_total_bytes=int(mem.total),
            mem_available_bytes=int(mem.available),
            swap_total_bytes=int(swap.total),
            swap_used_bytes=int(swap.used),
            disks=_disks(),
            disk_read_bytes=int(disk_io.read_bytes) if disk_io else None,
            disk_write_bytes=int(disk_io.write_bytes) if disk_io else None,
            net_sent_bytes=int(net_io.bytes_sent) if net_io else None,
            net_recv_bytes=int(net_io.bytes_recv) if net_io else None,
            temperatures=_temperatures(),
            fans=_fans(),
            battery=_battery(),
            top=self._processes(),
        )

    def _processes(self) -> tuple[ProcessInfo, ...]:
        infos: list[ProcessInfo] = []
        ceiling = 100.0 * (psutil.cpu_count() or 1)
        for proc in psutil.process_iter():  # psutil caches these: CPU use compares to last time
            try:
                with proc.oneshot():
                    name = proc.name()
                    # Two reads close together can give a spike far above 100% per core (the
                    # process clock ticks in 10 ms steps): clamp to what the host can do.
                    cpu = min(max(proc.cpu_percent(), 0.0), ceiling)
                    rss = proc.memory_info().rss
            except (psutil.Error, OSError):
                continue
            infos.append(ProcessInfo(proc.pid, name, cpu, int(rss), "ollama" in name.lower()))
        by_cpu = sorted(infos, key=lambda p: -p.cpu_percent)[: self.top]
        by_mem = sorted(infos, key=lambda p: -p.rss_bytes)[: self.top]
        ollama = [p for p in infos if p.ollama]
        chosen = {p.pid: p for p in [*by_cpu, *by_mem, *ollama]}
        return tuple(sorted(chosen.values(), key=lambda p: (-p.cpu_percent, -p.rss_bytes)))


def _cpu_counters() -> list[tuple[float, float]]:
    """(busy, total) seconds per CPU. Our own difference of two readings: psutil's
    ``cpu_percent`` keeps its last reading per thread, and each sample runs in a pool thread."""
    counters = []
    for t in psutil.cpu_times(percpu=True):
        total = sum(t) - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0)
        idle = t.idle + getattr(t, "iowait", 0.0)
        counters.append((total - idle, total))
    return counters


def _cpu_use(
    before: list[tuple[float, float]], now: list[tuple[float, float]]
) -> tuple[tuple[float, ...], float | None]:
    per: list[float] = []
    busy_sum = total_sum = 0.0
    for (b0, t0), (b1, t1) in zip(before, now, strict=False):
        busy, total = max(0.0, b1 - b0), t1 - t0
        per.append(min(100.0, 100.0 * busy / total) if total > 0 else 0.0)
        busy_sum, total_sum = busy_sum + busy, total_sum + max(0.0, total)
    cpu = min(100.0, 100.0 * busy_sum / total_sum) if total_sum > 0 else None
    return tuple(per), cpu


def _load() -> tuple[float, float, float] | None:
    try:
        one, five, fifteen = psutil.getloadavg()
    except (OSError, AttributeError):
        return None
    return (float(one), float(five), float(fifteen))


def _disks() -> tuple[DiskUsage, ...]:
    disks: list[DiskUsage] = []
    seen: set[str] = set()
    for part in psutil.disk_partitions(all=False):
        if part.fstype in _SKIP_FSTYPES or part.device in seen:
            continue
        try:
            use = psutil.disk_usage(part.mountpoint)
        except OSError:
            continue
        seen.add(part.device)
        disks.append(DiskUsage(part.mountpoint, int(use.total), int(use.used), int(use.free)))
    return tuple(disks)


def _temperatures() -> tuple[Temperature, ...]:
    read = getattr(psutil, "sensors_temperatures", None)
    if read is None:
        return ()
    try:
        groups = read()
    except (OSError, RuntimeError):
        return ()
    temps: list[Temperature] = []
    for chip, entries in groups.items():
        for entry in entries:
            label = f"{chip}/{entry.label}" if entry.label else chip
            temps.append(Temperature(label, float(entry.current), entry.high, entry.critical))
    return tuple(temps)


def _fans() -> tuple[tuple[str, float], ...]:
    read = getattr(psutil, "sensors_fans", None)
    if read is None:
        return ()
    fans: list[tuple[str, float]] = []
    with contextlib.suppress(OSError, RuntimeError):
        for chip, entries in read().items():
            fans += [(f"{chip}/{e.label}" if e.label else chip, float(e.current)) for e in entries]
    return tuple(fans)


def _battery() -> Battery | None:
    read = getattr(psutil, "sensors_battery", None)
    try:
        battery = read() if read is not None else None
    except (OSError, RuntimeError):
        return None
    if battery is None:
        return None
    secs = battery.secsleft
    left = float(secs) if isinstance(secs, int | float) and secs >= 0 else None
    return Battery(float(battery.percent), battery.power_plugged, left)
