"""Exporter output (fixtures in the exporters' documented formats) turned into samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarm_tui.hw.exporters import gpus_from_exporter, host_from_node
from swarm_tui.hw.promtext import parse

FIXTURES = Path(__file__).parent / "fixtures"
MIB = 1024 * 1024


def scrape(name: str):  # type: ignore[no-untyped-def]
    return parse((FIXTURES / name).read_text())


def test_node_exporter_host_needs_two_scrapes_for_cpu() -> None:
    first, counters = host_from_node(scrape("node_exporter_1.prom"))
    assert first.cpu_percent is None and first.per_cpu == ()
    host, _ = host_from_node(scrape("node_exporter_2.prom"), counters)
    assert host.per_cpu == (50.0, 100.0)
    assert host.cpu_percent == 75.0
    assert host.hostname == "gpu-laptop" and host.cores == 2
    assert host.load == (3.25, 2.0, 1.5)
    assert host.mem_total_bytes == 32 * 1024**3
    assert host.mem_available_bytes == 12 * 1024**3
    assert host.mem_used_bytes == 20 * 1024**3
    assert (host.swap_total_bytes, host.swap_used_bytes) == (8 * 1024**3, 2 * 1024**3)
    assert host.net_recv_bytes == 5 * MIB  # loopback left out
    assert host.disk_read_bytes == 16826114048 + MIB


def test_node_exporter_filesystems_temperatures_and_battery() -> None:
    host, _ = host_from_node(scrape("node_exporter_1.prom"))
    assert [d.mountpoint for d in host.disks] == ["/", "/boot/efi"]  # tmpfs skipped
    root = host.disks[0]
    assert root.total_bytes == 500 * 1024**3
    assert root.used_bytes == 500 * 1024**3 - 34 * 1024**3
    assert root.free_bytes == 24 * 1024**3
    assert 93 < root.percent < 94
    temps = {t.label: t for t in host.temperatures}
    assert temps["platform_coretemp_0/Package id 0"].celsius == 71
    assert temps["platform_coretemp_0/Package id 0"].critical == 100
    assert temps["nvme_nvme0/temp1"].celsius == 44.85
    assert host.battery is not None
    assert (host.battery.percent, host.battery.plugged) == (57, False)


def test_dcgm_exporter_gpus() -> None:
    status = gpus_from_exporter(scrape("dcgm_exporter.prom"))
    assert status.available and status.driver_version == "550.120"
    hot, idle = status.gpus
    assert (hot.index, hot.name) == (0, "NVIDIA GeForce RTX 4090 Laptop GPU")
    assert hot.uuid == "GPU-6a2ec4b8-2b5e-5f0c-9a3f-3d1c0f9e7a01"
    assert hot.util_percent == 97 and hot.temperature_c == 87 and hot.power_w == 148.215
    assert hot.vram_used_bytes == 15872 * MIB and hot.vram_total_bytes == 16384 * MIB
    assert hot.vram_percent == pytest.approx(96.875)
    assert hot.sm_clock_mhz == 1395
    assert hot.throttle == ("sw_thermal", "hw_thermal")  # 96 = 0x20 | 0x40
    assert idle.throttle == ()  # 1 = idle, not a slowdown
    assert idle.vram_total_bytes == 16384 * MIB and idle.util_percent == 0


def test_nvidia_gpu_exporter_gpus() -> None:
    status = gpus_from_exporter(scrape("nvidia_gpu_exporter.prom"))
    assert status.available and status.driver_version == "471.11"
    [gpu] = status.gpus
    assert (gpu.index, gpu.name) == (0, "NVIDIA GeForce RTX 2080 SUPER")
    assert gpu.util_percent == pytest.approx(42)
    assert gpu.vram_used_bytes == 706740224 and gpu.vram_total_bytes == 8 * 1024**3
    assert gpu.temperature_c == 34 and gpu.power_w == 28.07 and gpu.power_limit_w == 250
    assert gpu.fan_percent == pytest.approx(55)
    assert gpu.sm_clock_mhz == pytest.approx(1905)
    assert gpu.throttle == ("sw_power_cap",)


def test_a_scrape_from_something_else_says_so() -> None:
    status = gpus_from_exporter(scrape("node_exporter_1.prom"))
    assert not status.available and "no dcgm-exporter" in status.reason
