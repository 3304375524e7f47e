"""What routing needs from the rest of the core, besides the mix: load per host, Ollama's
loaded models and VRAM (from the hardware samples on the bus), strength for escalation."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

from swarm_tui.config import Settings
from swarm_tui.core.bus import Subscription
from swarm_tui.core.router import split_ref
from swarm_tui.hw.events import HardwareSampled
from swarm_tui.hw.model import HardwareSample

__all__ = ["RoutingInputs", "host_of"]


def host_of(base_url: str | None) -> str | None:
    """``http://gpu-box:11434/v1`` -> ``gpu-box:11434`` (None without a URL)."""
    if not base_url:
        return None
    parts = urlsplit(base_url)
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.hostname}:{parts.port or default}"


class RoutingInputs:
    def __init__(self, settings: Settings, hardware: Subscription | None = None) -> None:
        self.settings = settings
        self.hardware = hardware
        self.sample: HardwareSample | None = None

    def poll(self) -> None:
        """Take the newest hardware sample from the bus (everything else is dropped)."""
        if self.hardware is None:
            return
        for event in self.hardware.get_nowait():
            if isinstance(event, HardwareSampled):
                self.sample = event.sample

    def host_blocked(self, provider: str, in_flight: Counter[str]) -> str | None:
        """Why ``provider``'s host cannot take another request (``in_flight``: per provider)."""
        config = self.settings.providers.get(provider)
        host = host_of(config.base_url) if config else None
        limit = self.settings.routing.host_limits.get(host or "")
        if host is None or limit is None:
            return None
        busy = sum(
            n
            for name, n in in_flight.items()
            if host_of(self.settings.providers[name].base_url) == host
        )
        return f"host {host} at its limit ({busy}/{limit})" if busy >= limit else None

    def unreachable(self, provider: str) -> str | None:
        """An Ollama provider whose host the last sample could not reach."""
        config = self.settings.providers.get(provider)
        ollama = self.sample.ollama if self.sample else None
        if config is None or config.kind != "ollama" or ollama is None or ollama.reachable:
            return None
        if host_of(ollama.base_url) != host_of(config.base_url):
            return None
        return f"host unreachable ({ollama.error or 'no answer'})"

    def swap(self, ref: str) -> str | None:
        """Why running ``ref`` would force Ollama to swap models out of VRAM, or None."""
        provider, model = split_ref(ref)
        config = self.settings.providers.get(provider)
        sample = self.sample
        if config is None or config.kind != "ollama" or sample is None or sample.ollama is None:
            return None
        loaded = sample.loaded_models
        pressure = sample.vram_pressure
        if model in loaded or not loaded:
            return None
        if pressure is not None and pressure < self.settings.routing.swap_pressure:
            return None
        shown = f"VRAM {pressure:.0%}" if pressure is not None else "VRAM unknown"
        return f"not loaded, would force a swap ({shown}, loaded: {', '.join(loaded)})"

    def stronger(self, a: str, b: str) -> bool:
        """Is ``a`` stronger than ``b``: by ``[routing] strength_order`` when both are listed,
        else by price (output, then input)."""
        order = self.settings.routing.strength_order
        if a in order and b in order:
            return order.index(a) > order.index(b)
        return self._price(a) > self._price(b)

    def _price(self, ref: str) -> tuple[float, float]:
        provider, model = split_ref(ref)
        m = self.settings.providers[provider].models[model]
        return (m.output_per_mtok, m.input_per_mtok)
