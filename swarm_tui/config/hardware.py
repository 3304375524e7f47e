"""``[hardware]`` settings: how often to sample, how much history to keep, alert thresholds,
where Ollama is, and where to read a remote GPU host from. A docstring per field."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from swarm_tui.config.base import ENV_NAME, Strict

__all__ = ["AlertThresholds", "HardwareConfig"]

_ENV_PATTERN = rf"^{ENV_NAME.pattern}$"


Percent = Annotated[float, Field(gt=0, le=100)]
Margin = Annotated[float, Field(ge=0, le=50)]


class AlertThresholds(Strict):
    """When the hardware pane raises an alert, and how far back a reading must come before
    the alert clears (so it does not flap around the threshold)."""

    vram_percent: Percent = 90.0
    """Alert when a GPU's VRAM use is above this (percent)."""
    vram_clear_margin: Margin = 5.0
    """The VRAM alert clears below ``vram_percent`` minus this."""
    gpu_temp_c: Annotated[float, Field(gt=0, le=150)] = 85.0
    """Alert when a GPU is hotter than this (°C)."""
    temp_clear_margin: Margin = 5.0
    """The temperature alert clears below ``gpu_temp_c`` minus this."""
    disk_percent: Percent = 95.0
    """Alert when a disk is fuller than this (percent)."""
    disk_clear_margin: Margin = 2.0
    """The disk alert clears below ``disk_percent`` minus this."""
    throttling: bool = True
    """Alert when a GPU slows its clocks for heat or power."""
    spilled: bool = True
    """Alert when an Ollama model is partly on the CPU (it runs several times slower)."""
    on_battery: bool = True
    """Alert when the host runs on battery."""
    clear_after: Annotated[int, Field(ge=1, le=100)] = 2
    """Yes/no alerts (throttling, spilled, battery) clear after this many good samples."""


class HardwareConfig(Strict):
    """The hardware monitor: this machine (psutil, NVML), Ollama, or a remote GPU host."""

    enabled: bool = True
    """Sample hardware at all (the pane shows "off" otherwise)."""
    interval_s: Annotated[float, Field(ge=0.25, le=3600)] = 2.0
    """Seconds between samples."""
    history: Annotated[int, Field(ge=2, le=100_000)] = 300
    """Samples kept for the sparklines (300 at 2 s is ten minutes)."""
    top_processes: Annotated[int, Field(ge=0, le=50)] = 5
    """How many top processes by CPU and by memory each sample lists (Ollama runners always)."""
    thresholds: AlertThresholds = AlertThresholds()
    """When alerts are raised and cleared."""
    ollama_base_url: str | None = "http://127.0.0.1:11434"
    """Ollama to read loaded models from (``/api/ps``); empty to skip Ollama."""
    node_exporter_url: str | None = None
    """A remote host's node_exporter, full URL (``http://gpu-box:9100/metrics``). Replaces
    the local psutil readings."""
    gpu_exporter_url: str | None = None
    """A remote NVIDIA exporter, full URL: dcgm-exporter (``:9400/metrics``) or
    nvidia_gpu_exporter (``:9835/metrics``). Replaces the local NVML readings."""
    probe_url: str | None = None
    """A remote ``swarm-tui probe --serve`` (``http://gpu-box:9477``). Replaces both local
    readings; exporters, when also set, take precedence for their part."""
    probe_token_env: Annotated[str, Field(pattern=rf"^{ENV_NAME.pattern}$")] = (
        "SWARM_TUI_PROBE_TOKEN"
    )
    """Environment variable holding the probe's bearer token (never put the token here)."""
    timeout_s: Annotated[float, Field(gt=0, le=120)] = 3.0
    """Seconds to wait for Ollama, an exporter or the probe before a reading counts as failed."""

    @field_validator("ollama_base_url", "node_exporter_url", "gpu_exporter_url", "probe_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
        return value.strip()

    @property
    def remote(self) -> bool:
        return bool(self.node_exporter_url or self.gpu_exporter_url or self.probe_url)
