"""The GPU reader: really without NVML here (the degraded path), and against a scripted
stand-in for the ``pynvml`` module for the readings."""

from __future__ import annotations

import types
from typing import Any

import pynvml
import pytest

from swarm_tui.hw.gpu import NO_DRIVER, NvmlReader, throttle_names
from swarm_tui.hw.host import HostReader
from swarm_tui.hw.sampler import Sampler


def nvml_is_absent() -> bool:
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError_LibraryNotFound:
        return True
    pynvml.nvmlShutdown()
    return False


needs_no_nvml = pytest.mark.skipif(not nvml_is_absent(), reason="this machine has NVML")


@needs_no_nvml
async def test_without_the_nvml_library_the_gpu_is_degraded_not_broken() -> None:
    reader = NvmlReader()
    for _ in range(2):  # remembered, and asked again without raising
        status = (await reader.read()).gpu
        assert status is not None and not status.available
        assert status.reason.startswith(NO_DRIVER) and "library not found" in status.reason
        assert status.gpus == ()
    reader.close()


@needs_no_nvml
async def test_the_host_sample_still_works_without_nvml() -> None:
    sampler = Sampler([HostReader(top=1), NvmlReader()])
    event = await sampler.sample_once()
    assert event.sample.gpu is not None and not event.sample.gpu.available
    assert event.sample.host is not None and event.sample.host.mem_total_bytes
    assert event.sample.errors == ()
    assert event.alerts.active == () or all(
        a.kind not in ("vram", "gpu_temp") for a in event.alerts.active
    )


class FakeNvml(types.SimpleNamespace):
    """Enough of pynvml for one GPU; fans are unsupported (as on datacenter cards)."""

    NVMLError = pynvml.NVMLError
    NVMLError_LibraryNotFound = pynvml.NVMLError_LibraryNotFound
    NVMLError_DriverNotLoaded = pynvml.NVMLError_DriverNotLoaded

    def __init__(self, *, count: int = 1, init_error: int | None = None) -> None:
        super().__init__()
        self.count, self.init_error, self.calls = count, init_error, 0

    def nvmlInit(self) -> None:
        self.calls += 1
        if self.init_error is not None:
            raise pynvml.NVMLError(self.init_error)

    def nvmlShutdown(self) -> None:
        pass

    def nvmlSystemGetDriverVersion(self) -> str:
        return "550.120"

    def nvmlDeviceGetCount(self) -> int:
        return self.count

    def nvmlDeviceGetHandleByIndex(self, i: int) -> int:
        return i

    def nvmlDeviceGetName(self, h: int) -> bytes:
        return b"NVIDIA GeForce RTX 4090 Laptop GPU"

    def nvmlDeviceGetUUID(self, h: int) -> str:
        return "GPU-1234"

    def nvmlDeviceGetUtilizationRates(self, h: int) -> Any:
        return types.SimpleNamespace(gpu=93, memory=40)

    def nvmlDeviceGetMemoryInfo(self, h: int) -> Any:
        return types.SimpleNamespace(total=16 * 2**30, used=15 * 2**30, free=2**30)

    def nvmlDeviceGetTemperature(self, h: int, sensor: int) -> int:
        assert sensor == pynvml.NVML_TEMPERATURE_GPU
        return 88

    def nvmlDeviceGetPowerUsage(self, h: int) -> int:
        return 151_250

    def nvmlDeviceGetEnforcedPowerLimit(self, h: int) -> int:
        return 175_000

    def nvmlDeviceGetFanSpeed(self, h: int) -> int:
        raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_SUPPORTED)

    def nvmlDeviceGetClockInfo(self, h: int, clock: int) -> int:
        return 1395

    def nvmlDeviceGetCurrentClocksEventReasons(self, h: int) -> int:
        return pynvml.nvmlClocksEventReasonHwThermalSlowdown | pynvml.nvmlClocksEventReasonGpuIdle

    def nvmlDeviceGetComputeRunningProcesses(self, h: int) -> list[Any]:
        return [
            types.SimpleNamespace(pid=4242, usedGpuMemory=9 * 2**30),
            types.SimpleNamespace(pid=4243, usedGpuMemory=None),
        ]


def test_readings_map_and_an_unsupported_query_leaves_only_its_field_empty() -> None:
    status = NvmlReader(FakeNvml()).sample()
    assert status.available and status.driver_version == "550.120"
    [gpu] = status.gpus
    assert gpu.name == "NVIDIA GeForce RTX 4090 Laptop GPU" and gpu.uuid == "GPU-1234"
    assert gpu.util_percent == 93 and gpu.temperature_c == 88
    assert gpu.vram_percent == pytest.approx(93.75)
    assert (gpu.power_w, gpu.power_limit_w) == (151.25, 175.0)
    assert gpu.fan_percent is None
    assert gpu.throttle == ("hw_thermal",)
    assert [(p.pid, p.used_bytes) for p in gpu.processes] == [(4242, 9 * 2**30), (4243, None)]


def test_no_gpu_and_a_transient_init_failure() -> None:
    assert NvmlReader(FakeNvml(count=0)).sample().reason == "no NVIDIA GPU found"
    flaky = FakeNvml(init_error=pynvml.NVML_ERROR_UNKNOWN)
    reader = NvmlReader(flaky)
    assert reader.sample().reason.startswith("NVML unavailable")
    flaky.init_error = None
    assert reader.sample().available and flaky.calls == 2  # retried


def test_driver_not_loaded_is_remembered() -> None:
    fake = FakeNvml(init_error=pynvml.NVML_ERROR_DRIVER_NOT_LOADED)
    reader = NvmlReader(fake)
    assert reader.sample().reason == f"{NO_DRIVER} (driver not loaded)"
    assert reader.sample().reason == f"{NO_DRIVER} (driver not loaded)" and fake.calls == 1


def test_throttle_names_ignore_idle_and_app_clocks() -> None:
    assert throttle_names(0x1 | 0x2) == ()
    assert throttle_names(0x4 | 0x80) == ("sw_power_cap", "hw_power_brake")
