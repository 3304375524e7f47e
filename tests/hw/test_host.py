"""The real host, read through psutil: sane invariants, not fixed numbers."""

from __future__ import annotations

import os

import psutil
import pytest

from swarm_tui.hw.host import HostReader


async def test_the_real_host_reads_sanely() -> None:
    reader = HostReader(top=3)
    sum(i * i for i in range(200_000))  # some CPU time between the two readings
    host = (await reader.read()).host
    assert host is not None
    cores = psutil.cpu_count()
    assert host.cores == cores and len(host.per_cpu) == cores
    assert host.cpu_percent is not None and 0 <= host.cpu_percent <= 100
    assert all(0 <= p <= 100 for p in host.per_cpu)
    assert host.load is not None and all(x >= 0 for x in host.load)
    assert host.mem_total_bytes and host.mem_available_bytes is not None
    assert 0 <= host.mem_available_bytes <= host.mem_total_bytes
    used = host.mem_used_bytes
    assert used is not None and 0 <= used <= host.mem_total_bytes
    assert host.swap_used_bytes is not None and host.swap_total_bytes is not None
    assert 0 <= host.swap_used_bytes <= host.swap_total_bytes
    assert host.disks, "at least one disk"
    root = [d for d in host.disks if d.mountpoint == "/"]
    assert root, "the root filesystem is listed"
    for disk in host.disks:
        assert disk.total_bytes > 0 and 0 <= disk.used_bytes <= disk.total_bytes
        assert 0 <= disk.free_bytes <= disk.total_bytes and 0 <= disk.percent <= 100
    assert host.net_recv_bytes is not None and host.net_recv_bytes >= 0
    assert host.hostname


async def test_top_processes_include_this_one_and_are_bounded() -> None:
    reader = HostReader(top=2)
    host = (await reader.read()).host
    assert host is not None
    assert 1 <= len(host.top) <= 4 + sum(p.ollama for p in host.top)
    cores = psutil.cpu_count() or 1
    assert all(0 <= p.cpu_percent <= 100 * cores for p in host.top)
    assert all(p.rss_bytes >= 0 and p.pid > 0 for p in host.top)
    # the biggest resident process is listed; this test process is a reasonable candidate
    assert max(p.rss_bytes for p in host.top) >= psutil.Process(os.getpid()).memory_info().rss / 2


async def test_second_reading_compares_with_the_first() -> None:
    reader = HostReader(top=0)
    a = (await reader.read()).host
    sum(i * i for i in range(300_000))
    b = (await reader.read()).host
    assert a is not None and b is not None
    assert b.cpu_percent is not None and 0 <= b.cpu_percent <= 100
    assert b.disk_read_bytes is None or b.disk_read_bytes >= (a.disk_read_bytes or 0)


async def test_a_process_cpu_spike_is_clamped_to_what_the_host_can_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two reads a few ms apart can report thousands of percent; the sample must not."""
    monkeypatch.setattr(psutil.Process, "cpu_percent", lambda self, interval=None: 5000.0)
    host = (await HostReader(top=2).read()).host
    assert host is not None and host.top
    cores = psutil.cpu_count() or 1
    assert all(p.cpu_percent == 100.0 * cores for p in host.top)
