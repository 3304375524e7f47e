"""Alerts from hardware samples, with hysteresis so they do not flap.

A measured alert (VRAM, GPU temperature, disk) is raised above its threshold and cleared only
below the threshold minus a margin. A yes/no alert (throttling, a model spilled to the CPU, on
battery) is raised at once and cleared after ``clear_after`` good samples in a row. A reading
that is missing this time (a source failed) neither raises nor clears.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from swarm_tui.hw.model import HardwareSample

if TYPE_CHECKING:
    from swarm_tui.config.hardware import AlertThresholds

__all__ = ["Alert", "AlertEngine", "AlertUpdate"]

State = Literal["bad", "good", "hold"]


@dataclass(frozen=True, slots=True)
class Alert:
    key: str
    """Stable identity: ``kind:subject`` ("gpu_temp:0", "spilled:llama3:8b", "battery")."""
    kind: str
    level: Literal["warning", "error"]
    text: str


@dataclass(frozen=True, slots=True)
class AlertUpdate:
    active: tuple[Alert, ...] = ()
    raised: tuple[Alert, ...] = ()
    """Newly active this sample (for the notification hook)."""
    cleared: tuple[Alert, ...] = ()


@dataclass(frozen=True, slots=True)
class _Check:
    state: State
    alert: Alert
    counted: bool
    """Yes/no: clears after ``clear_after`` good samples (else: at once)."""


class AlertEngine:
    def __init__(self, thresholds: AlertThresholds | None = None) -> None:
        if thresholds is None:  # imported here: the events that carry alerts load no config
            from swarm_tui.config.hardware import AlertThresholds

            thresholds = AlertThresholds()
        self.t = thresholds
        self.active: dict[str, Alert] = {}
        self._good: dict[str, int] = {}

    def update(self, sample: HardwareSample) -> AlertUpdate:
        checks = {c.alert.key: c for c in self._checks(sample)}
        judged = self._judged_kinds(sample)
        raised: list[Alert] = []
        cleared: list[Alert] = []
        for key, check in checks.items():
            if check.state == "bad":
                if key not in self.active:
                    raised.append(check.alert)
                self.active[key] = check.alert
                self._good.pop(key, None)
            elif check.state == "good" and key in self.active:
                self._clear_step(key, check.counted, cleared)
        for key in list(self.active):
            if key not in checks and self.active[key].kind in judged:
                self._clear_step(key, False, cleared)  # its subject is gone (model unloaded)
        return AlertUpdate(tuple(self.active.values()), tuple(raised), tuple(cleared))

    def _clear_step(self, key: str, counted: bool, cleared: list[Alert]) -> None:
        good = self._good.get(key, 0) + 1
        if counted and good < self.t.clear_after:
            self._good[key] = good
            return
        cleared.append(self.active.pop(key))
        self._good.pop(key, None)

    def _judged_kinds(self, sample: HardwareSample) -> set[str]:
        kinds: set[str] = set()
        if sample.gpu is not None and sample.gpu.available:
            kinds |= {"vram", "gpu_temp", "throttle"}
        if sample.ollama is not None and sample.ollama.reachable:
            kinds.add("spilled")
        if sample.host is not None:
            kinds |= {"battery", "disk"}
        return kinds

    def _checks(self, sample: HardwareSample) -> Iterator[_Check]:
        t = self.t
        for g in sample.gpu.gpus if sample.gpu is not None else ():
            vram = g.vram_percent
            if vram is not None:
                text = f"GPU {g.index} VRAM {vram:.0f}% (above {t.vram_percent:g}%)"
                yield _measured(
                    vram,
                    t.vram_percent,
                    t.vram_clear_margin,
                    Alert(f"vram:{g.index}", "vram", "warning", text),
                )
            if g.temperature_c is not None:
                text = f"GPU {g.index} at {g.temperature_c:.0f} °C (above {t.gpu_temp_c:g} °C)"
                alert = Alert(f"gpu_temp:{g.index}", "gpu_temp", "error", text)
                yield _measured(g.temperature_c, t.gpu_temp_c, t.temp_clear_margin, alert)
            if t.throttling:
                text = f"GPU {g.index} throttling: {', '.join(g.throttle) or 'no'}"
                alert = Alert(f"throttle:{g.index}", "throttle", "warning", text)
                yield _Check("bad" if g.throttle else "good", alert, True)
        if t.spilled and sample.ollama is not None:
            for m in sample.ollama.models:
                text = f"{m.name} spilled to CPU: {m.vram_share:.0%} on GPU"
                alert = Alert(f"spilled:{m.name}", "spilled", "warning", text)
                yield _Check("bad" if m.spilled else "good", alert, True)
        host = sample.host
        if host is None:
            return
        if t.on_battery and host.battery is not None and host.battery.plugged is not None:
            text = f"on battery ({host.battery.percent:.0f}%)"
            alert = Alert("battery", "battery", "warning", text)
            yield _Check("good" if host.battery.plugged else "bad", alert, True)
        for d in host.disks:
            text = f"disk {d.mountpoint} {d.percent:.0f}% full"
            alert = Alert(f"disk:{d.mountpoint}", "disk", "warning", text)
            yield _measured(d.percent, t.disk_percent, t.disk_clear_margin, alert)


def _measured(value: float, threshold: float, margin: float, alert: Alert) -> _Check:
    if value > threshold:
        return _Check("bad", alert, False)
    return _Check("good" if value < threshold - margin else "hold", alert, False)
