"""Fixed hardware samples and a scripted source, for alerts, sampler and pane tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from swarm_tui.hw.model import (
    Battery,
    DiskUsage,
    GpuSample,
    GpuStatus,
    HardwareSample,
    HostSample,
    OllamaModel,
    OllamaStatus,
    ProcessInfo,
)
from swarm_tui.hw.sources import Reading

GIB = 2**30
T0 = 1_795_312_800.0  # 2026-11-22 02:00:00 UTC


def host(cpu: float = 35.0, *, plugged: bool | None = True, disk_used: int = 200) -> HostSample:
    return HostSample(
        hostname="gpu-laptop",
        cpu_percent=cpu,
        cores=8,
        per_cpu=(cpu,) * 8,
        load=(2.5, 2.0, 1.5),
        mem_total_bytes=32 * GIB,
        mem_available_bytes=20 * GIB,
        swap_total_bytes=8 * GIB,
        swap_used_bytes=1 * GIB,
        disks=(DiskUsage("/", 500 * GIB, disk_used * GIB, (500 - disk_used) * GIB),),
        battery=Battery(80.0, plugged) if plugged is not None else None,
        top=(
            ProcessInfo(1234, "ollama", 180.0, 9 * GIB, True),
            ProcessInfo(99, "python", 12.0, 300 * 2**20),
        ),
    )


def gpu(
    *, temp: float = 70.0, used: int = 10, util: float = 60.0, throttle: tuple[str, ...] = ()
) -> GpuStatus:
    return GpuStatus(
        True,
        "",
        "550.120",
        (
            GpuSample(
                index=0,
                name="RTX 4090 Laptop",
                uuid="GPU-1",
                util_percent=util,
                vram_used_bytes=used * GIB,
                vram_total_bytes=16 * GIB,
                temperature_c=temp,
                power_w=120.0,
                power_limit_w=175.0,
                throttle=throttle,
            ),
        ),
    )


NO_DRIVER_GPU = GpuStatus(False, "no NVIDIA driver (NVML library not found)")


def ollama(*, spilled: bool = True) -> OllamaStatus:
    coder = OllamaModel(
        "qwen2.5-coder:14b",
        12 * GIB,
        (9 if spilled else 12) * GIB,
        8192,
        T0 + 245,
        "14.8B",
        "Q4_K_M",
    )
    small = OllamaModel("llama3.2:3b", 3 * GIB, 3 * GIB, 4096, None, "3.2B", "Q4_K_M")
    return OllamaStatus(
        True,
        "http://127.0.0.1:11434",
        "",
        "0.12.6",
        (coder, small),
        ("llama3.2:3b", "nomic-embed-text:latest", "qwen2.5-coder:14b"),
    )


def sample(t: float = T0, **parts: object) -> HardwareSample:
    base = HardwareSample(t, "local", host(), gpu(), ollama(spilled=False))
    return replace(base, **parts)  # type: ignore[arg-type]


class ScriptedSource:
    """Gives the readings in turn; the last one repeats."""

    name = "scripted"

    def __init__(self, readings: Iterable[Reading]) -> None:
        self.readings = list(readings)
        self.reads = 0

    async def read(self) -> Reading:
        self.reads += 1
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]
