"""One hardware sample as plain text lines (``swarm-tui hw``) or JSON (``--json``)."""

from __future__ import annotations

from typing import Any

from swarm_tui.hw.alerts import Alert
from swarm_tui.hw.fmt import human_bytes, human_duration, percent
from swarm_tui.hw.model import HardwareSample

__all__ = ["sample_json", "sample_lines"]


def sample_json(sample: HardwareSample, alerts: tuple[Alert, ...]) -> dict[str, Any]:
    """The sample's JSON (as ``/sample`` serves it) plus the active ``alerts``."""
    data = sample.to_json()
    data["alerts"] = [{"key": a.key, "level": a.level, "text": a.text} for a in alerts]
    return data


def sample_lines(sample: HardwareSample, alerts: tuple[Alert, ...]) -> list[str]:
    lines: list[str] = []
    h = sample.host
    if h is None:
        lines.append("host     no readings")
    else:
        load = " ".join(f"{x:.2f}" for x in h.load) if h.load else "—"
        lines.append(
            f"host     {h.hostname or '?'} ({sample.source}) · {h.cores or '?'} cores · "
            f"CPU {percent(h.cpu_percent)} · load {load}"
        )
        lines.append(
            f"memory   {human_bytes(h.mem_used_bytes)} / {human_bytes(h.mem_total_bytes)}"
            f" ({percent(h.mem_percent)}) · swap {human_bytes(h.swap_used_bytes)} / "
            f"{human_bytes(h.swap_total_bytes)}"
        )
        for d in h.disks:
            lines.append(
                f"disk     {d.mountpoint} {human_bytes(d.used_bytes)} / "
                f"{human_bytes(d.total_bytes)} ({percent(d.percent)})"
            )
        if h.temperatures:
            temps = ", ".join(f"{t.label} {t.celsius:.0f}°C" for t in h.temperatures[:6])
            lines.append(f"temps    {temps}")
        if h.battery is not None:
            state = {True: "plugged in", False: "ON BATTERY", None: "?"}[h.battery.plugged]
            lines.append(f"battery  {h.battery.percent:.0f}% {state}")
        if h.top:
            top = " · ".join(
                f"{p.name} {p.cpu_percent:.0f}% {human_bytes(p.rss_bytes)}" for p in h.top[:5]
            )
            lines.append(f"top      {top}")
    g = sample.gpu
    if g is None:
        lines.append("gpu      no readings")
    elif not g.available:
        lines.append(f"gpu      {g.reason}")
    for gpu in g.gpus if g is not None else ():
        temp = f"{gpu.temperature_c:.0f}°C" if gpu.temperature_c is not None else "—"
        power = f"{gpu.power_w:.0f} W" if gpu.power_w is not None else "—"
        throttle = f" · throttling: {', '.join(gpu.throttle)}" if gpu.throttle else ""
        lines.append(
            f"gpu {gpu.index}    {gpu.name} · util {percent(gpu.util_percent)} · VRAM "
            f"{human_bytes(gpu.vram_used_bytes)} / {human_bytes(gpu.vram_total_bytes)} · "
            f"{temp} · {power}{throttle}"
        )
    o = sample.ollama
    if o is not None and not o.reachable:
        lines.append(f"ollama   {o.error}")
    elif o is not None:
        lines.append(
            f"ollama   {o.base_url} v{o.version} · {len(o.models)} loaded · "
            f"{len(o.available)} pulled"
        )
        for m in o.models:
            flag = " SPILLED TO CPU" if m.spilled else ""
            lines.append(
                f"  model  {m.name} {human_bytes(m.size_bytes)} · {m.vram_share:.0%} GPU"
                f" · ctx {m.context_length or '?'} · unloads in "
                f"{human_duration(m.seconds_to_unload(sample.time))}{flag}"
            )
    for error in sample.errors:
        lines.append(f"error    {error}")
    lines += [f"ALERT    {a.text}" for a in alerts] or ["alerts   none"]
    return lines
