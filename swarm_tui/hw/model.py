"""Hardware samples: plain frozen dataclasses, JSON in and out.

A reading that a source cannot provide is ``None`` (a remote exporter has no per-core CPU, a
laptop has no fan sensor); a source that failed as a whole leaves its part of the sample
``None`` with the reason in :attr:`HardwareSample.errors`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union

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
        try:
            return _build(cls, data, "sample")
        except (TypeError, ValueError, KeyError) as exc:
            raise SampleFormatError(str(exc)) from None


T = TypeVar("T")


def _build(cls: type[T], data: object, where: str) -> T:
    if not isinstance(data, dict):
        raise SampleFormatError(f"{where}: expected an object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name], f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise SampleFormatError(f"{where}.{f.name}: missing")
    return cls(**kwargs)


def _convert(hint: Any, value: object, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(arg, value, where)
            except SampleFormatError as exc:
                errors.append(str(exc))
        raise SampleFormatError(errors[0] if errors else f"{where}: unexpected null")
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise SampleFormatError(f"{where}: expected a list")
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise SampleFormatError(f"{where}: expected {len(args)} items")
        return tuple(
            _convert(a, v, f"{where}[{i}]")
            for i, (a, v) in enumerate(zip(args, value, strict=True))
        )
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, where)  # type: ignore[arg-type]
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint is bool and isinstance(value, bool):
        return value
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if hint is str and isinstance(value, str):
        return value
    raise SampleFormatError(f"{where}: expected {getattr(hint, '__name__', hint)}, got {value!r}")
