"""Hardware samples: plain frozen dataclasses, JSON in and out.

A reading that a source cannot provide is ``None`` (a remote exporter has no per-core CPU, a
laptop has no fan sensor); a source that failed as a whole leaves its part of the sample
``None`` with the reason in :attr:`HardwareSample.errors`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import TypeAdapter, ValidationError

__all__ = [
    "Battery",
    "DiskUsage",
    "GpuProcess",
    "GpuSample",
    "GpuStatus",
    "HardwareSample",
    "HostSample",
    "OllamaModel",
    "OllamaStatus",
    "ProcessInfo",
    "SampleFormatError",
    "Temperature",
]

FOREVER_S = 365 * 24 * 3600.0
"""An ``expires_at`` further away than this means "kept loaded forever" (``keep_alive: -1``)."""


class SampleFormatError(ValueError):
    """A JSON sample (from a probe) that does not have the expected shape."""


@dataclass(frozen=True, slots=True)
class DiskUsage:
    mountpoint: str
    total_bytes: int
    used_bytes: int
    free_bytes: int

    @property
    def percent(self) -> float:
        return 100.0 * self.used_bytes / self.total_bytes if self.total_bytes else 0.0


@dataclass(frozen=True, slots=True)
class Temperature:
    label: str
    celsius: float
    high: float | None = None
    critical: float | None = None


@dataclass(frozen=True, slots=True)
class Battery:
    percent: float
    plugged: bool | None
    seconds_left: float | None = None


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    pid: int
    name: str
    cpu_percent: float
    rss_bytes: int
    ollama: bool = False
    """An Ollama server or model runner."""


@dataclass(frozen=True, slots=True)
class HostSample:
    hostname: str
    cpu_percent: float | None
    """Whole machine, 0..100 (None until a second reading of a remote counter)."""
    cores: int | None = None
    per_cpu: tuple[float, ...] = ()
    load: tuple[float, float, float] | None = None
    mem_total_bytes: int | None = None
    mem_available_bytes: int | None = None
    swap_total_bytes: int | None = None
    swap_used_bytes: int | None = None
    disks: tuple[DiskUsage, ...] = ()
    disk_read_bytes: int | None = None
    disk_write_bytes: int | None = None
    net_sent_bytes: int | None = None
    net_recv_bytes: int | None = None
    temperatures: tuple[Temperature, ...] = ()
    fans: tuple[tuple[str, float], ...] = ()
    """(label, rpm)."""
    battery: Battery | None = None
    top: tuple[ProcessInfo, ...] = ()

    @property
    def mem_used_bytes(self) -> int | None:
        if self.mem_total_bytes is None or self.mem_available_bytes is None:
            return None
        return self.mem_total_bytes - self.mem_available_bytes

    @property
    def mem_percent(self) -> float | None:
        used = self.mem_used_bytes
        if used is None or not self.mem_total_bytes:
            return None
        return 100.0 * used / self.mem_total_bytes


@dataclass(frozen=True, slots=True)
class GpuProcess:
    pid: int
    used_bytes: int | None


@dataclass(frozen=True, slots=True)
class GpuSample:
    index: int
    name: str
    uuid: str = ""
    util_percent: float | None = None
    vram_used_bytes: int | None = None
    vram_total_bytes: int | None = None
    temperature_c: float | None = None
    power_w: float | None = None
    power_limit_w: float | None = None
    fan_percent: float | None = None
    sm_clock_mhz: float | None = None
    throttle: tuple[str, ...] = ()
    """Active slowdown reasons ("hw_thermal", "sw_power_cap"...); idle is not one."""
    processes: tuple[GpuProcess, ...] = ()

    @property
    def vram_percent(self) -> float | None:
        if self.vram_used_bytes is None or not self.vram_total_bytes:
            return None
        return 100.0 * self.vram_used_bytes / self.vram_total_bytes


@dataclass(frozen=True, slots=True)
class GpuStatus:
    available: bool
    reason: str = ""
    """Why there are no readings ("no NVIDIA driver"), empty when available."""
    driver_version: str = ""
    gpus: tuple[GpuSample, ...] = ()


@dataclass(frozen=True, slots=True)
class OllamaModel:
    name: str
    size_bytes: int
    size_vram_bytes: int
    context_length: int | None = None
    expires_at: float | None = None
    """Unix time Ollama unloads the model (None: unknown)."""
    parameter_size: str = ""
    quantization: str = ""

    @property
    def vram_share(self) -> float:
        """Part of the loaded model in VRAM, 0..1 (``ollama ps``'s "x% GPU")."""
        return min(1.0, self.size_vram_bytes / self.size_bytes) if self.size_bytes else 1.0

    @property
    def spilled(self) -> bool:
        """Partly on the CPU: everything runs several times slower."""
        return self.size_bytes > 0 and self.size_vram_bytes < self.size_bytes

    def seconds_to_unload(self, now: float) -> float | None:
        """None when unknown or kept forever; 0 when already due."""
        if self.expires_at is None:
            return None
        left = self.expires_at - now
        return None if left > FOREVER_S else max(0.0, left)


@dataclass(frozen=True, slots=True)
class OllamaStatus:
    reachable: bool
    base_url: str = ""
    error: str = ""
    version: str = ""
    models: tuple[OllamaModel, ...] = ()
    """Loaded models (``/api/ps``)."""
    available: tuple[str, ...] = ()
    """Pulled models (``/api/tags``)."""


@dataclass(frozen=True, slots=True)
class HardwareSample:
    time: float
    """Unix time of the sample."""
    source: str = "local"
    """"local" or where the readings came from (exporter or probe URL)."""
    host: HostSample | None = None
    gpu: GpuStatus | None = None
    ollama: OllamaStatus | None = None
    errors: tuple[str, ...] = field(default=())
    """Sources that failed this time, one line each."""

    @property
    def loaded_models(self) -> tuple[str, ...]:
        """Routing input: models Ollama holds in memory right now."""
        return tuple(m.name for m in self.ollama.models) if self.ollama else ()

    @property
    def vram_pressure(self) -> float | None:
        """Routing input: the fullest GPU's VRAM use, 0..1 (None without GPU readings)."""
        shares = [g.vram_percent for g in self.gpu.gpus] if self.gpu else []
        known = [s for s in shares if s is not None]
        return max(known) / 100.0 if known else None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: object) -> HardwareSample:
        """Read a sample from decoded JSON; keys of newer probes are ignored.

        JSON's own types are required (no ``"12"`` for a number, no list for a string).

        Raises:
            SampleFormatError: naming where the shape is wrong, e.g. ``sample.host.load``.
        """
        from pydantic import ValidationError

        try:  # strict JSON mode: arrays for tuples, objects for dataclasses, ints for floats
            return _adapter().validate_json(json.dumps(data, allow_nan=True), strict=True)
        except ValidationError as exc:
            raise SampleFormatError(_describe(exc)) from None
        except (TypeError, ValueError) as exc:  # not JSON data at all
            raise SampleFormatError(f"sample: not JSON data ({exc})") from None


@functools.cache
def _adapter() -> TypeAdapter[HardwareSample]:
    """Built on the first sample read, not on import: the events that carry a sample are
    imported by every client of the service (a one-line command), which reads none."""
    from pydantic import TypeAdapter

    return TypeAdapter(HardwareSample)


_EXPECTED = {
    "float_type": "expected float",
    "int_type": "expected int",
    "string_type": "expected str",
    "bool_type": "expected bool",
    "tuple_type": "expected a list",
    "dataclass_type": "expected an object",
    "missing": "missing",
}


def _describe(exc: ValidationError) -> str:
    """The first problem as ``sample.host.load: expected ..., got ...``."""
    err = exc.errors(include_url=False)[0]
    where = "sample" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
    kind = err["type"]
    if kind not in _EXPECTED:
        return f"{where}: {err['msg']}"
    if kind == "missing":
        return f"{where}: missing"
    got = repr(err["input"])
    return f"{where}: {_EXPECTED[kind]}, got {got if len(got) <= 40 else got[:37] + '...'}"
