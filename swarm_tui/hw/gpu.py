"""NVIDIA GPUs through NVML (``nvidia-ml-py``, imported as ``pynvml``).

Every NVML call blocks for a few milliseconds, so :meth:`NvmlReader.read` runs the whole
reading in a thread. Every call is guarded: one unsupported query (fans on a datacenter card)
leaves that field ``None`` and the rest stands. No library, no driver or no GPU gives a
:class:`GpuStatus` with ``available=False`` and the reason, and the rest of the sample goes on.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pynvml  # type: ignore[import-untyped]

from swarm_tui.hw.model import GpuProcess, GpuSample, GpuStatus
from swarm_tui.hw.sources import Reading

__all__ = ["NO_DRIVER", "NvmlReader", "throttle_names"]

NO_DRIVER = "no NVIDIA driver"

_TEMP_GPU = pynvml.NVML_TEMPERATURE_GPU
_CLOCK_SM = pynvml.NVML_CLOCK_SM

_THROTTLE_BITS = {
    "hw_slowdown": 0x8,
    "sw_power_cap": 0x4,
    "sw_thermal": 0x20,
    "hw_thermal": 0x40,
    "hw_power_brake": 0x80,
}
"""NVML clock event reasons that mean "slowed down" (idle, app clocks, sync boost do not)."""


def throttle_names(mask: int) -> tuple[str, ...]:
    return tuple(name for name, bit in _THROTTLE_BITS.items() if mask & bit)


class NvmlReader:
    """A source: ``await reader.read()`` gives the GPU part of a sample.

    ``nvml`` is the ``pynvml`` module (a stand-in in tests). NVML is initialised on the first
    reading; a missing library or driver is remembered (it will not appear while we run),
    other failures are retried on the next reading.
    """

    name = "gpu"

    def __init__(self, nvml: Any = None) -> None:
        self.nvml: Any = nvml if nvml is not None else pynvml
        self._lock = threading.Lock()
        self._ready = False
        self._gone: str | None = None
        self._driver = ""

    async def read(self) -> Reading:
        return Reading(gpu=await asyncio.to_thread(self.sample))

    def sample(self) -> GpuStatus:
        with self._lock:
            failure = self._init()
            if failure is not None:
                return GpuStatus(available=False, reason=failure)
            count = self._call(self.nvml.nvmlDeviceGetCount)
            if not count:
                return GpuStatus(False, "no NVIDIA GPU found", self._driver)
            gpus = tuple(self._device(i) for i in range(int(count)))
            return GpuStatus(True, "", self._driver, gpus)

    def close(self) -> None:
        with self._lock:
            if self._ready:
                self._call(self.nvml.nvmlShutdown)
                self._ready = False

    # ------------------------------------------------------------------ internals
    def _init(self) -> str | None:
        if self._gone is not None:
            return self._gone
        if self._ready:
            return None
        nvml = self.nvml
        try:
            nvml.nvmlInit()
        except nvml.NVMLError_LibraryNotFound:
            self._gone = f"{NO_DRIVER} (NVML library not found)"
            return self._gone
        except nvml.NVMLError_DriverNotLoaded:
            self._gone = f"{NO_DRIVER} (driver not loaded)"
            return self._gone
        except nvml.NVMLError as exc:
            return f"NVML unavailable: {exc}"
        self._ready = True
        self._driver = _text(self._call(nvml.nvmlSystemGetDriverVersion)) or ""
        return None

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except self.nvml.NVMLError:
            return None

    def _device(self, index: int) -> GpuSample:
        n = self.nvml
        handle = self._call(n.nvmlDeviceGetHandleByIndex, index)
        if handle is None:
            return GpuSample(index, f"GPU {index} (unreadable)")
        util = self._call(n.nvmlDeviceGetUtilizationRates, handle)
        mem = self._call(n.nvmlDeviceGetMemoryInfo, handle)
        power = self._call(n.nvmlDeviceGetPowerUsage, handle)
        limit = self._call(n.nvmlDeviceGetEnforcedPowerLimit, handle)
        reasons = self._call(n.nvmlDeviceGetCurrentClocksEventReasons, handle)
        if reasons is None:
            reasons = self._call(n.nvmlDeviceGetCurrentClocksThrottleReasons, handle)
        procs = self._call(n.nvmlDeviceGetComputeRunningProcesses, handle) or []
        return GpuSample(
            index=index,
            name=_text(self._call(n.nvmlDeviceGetName, handle)) or f"GPU {index}",
            uuid=_text(self._call(n.nvmlDeviceGetUUID, handle)) or "",
            util_percent=_num(getattr(util, "gpu", None)),
            vram_used_bytes=_int(getattr(mem, "used", None)),
            vram_total_bytes=_int(getattr(mem, "total", None)),
            temperature_c=_num(self._call(n.nvmlDeviceGetTemperature, handle, _TEMP_GPU)),
            power_w=_num(power, 1000.0),
            power_limit_w=_num(limit, 1000.0),
            fan_percent=_num(self._call(n.nvmlDeviceGetFanSpeed, handle)),
            sm_clock_mhz=_num(self._call(n.nvmlDeviceGetClockInfo, handle, _CLOCK_SM)),
            throttle=throttle_names(int(reasons)) if isinstance(reasons, int) else (),
            processes=tuple(
                GpuProcess(int(p.pid), _int(getattr(p, "usedGpuMemory", None))) for p in procs
            ),
        )


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


def _num(value: Any, scale: float = 1.0) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) / scale
    return None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None
