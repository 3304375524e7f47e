"""Alerts: thresholds from config, hysteresis so they do not flap."""

from __future__ import annotations

from dataclasses import replace

from swarm_tui.config.hardware import AlertThresholds
from swarm_tui.hw.alerts import AlertEngine
from swarm_tui.hw.model import HardwareSample, OllamaStatus
from tests.hw.samples import NO_DRIVER_GPU, gpu, host, ollama, sample


def keys(engine: AlertEngine, s: HardwareSample) -> tuple[list[str], list[str], list[str]]:
    up = engine.update(s)
    return ([a.key for a in up.active], [a.key for a in up.raised], [a.key for a in up.cleared])


def test_gpu_temperature_rises_above_then_has_to_fall_below_the_margin() -> None:
    engine = AlertEngine(AlertThresholds(gpu_temp_c=85, temp_clear_margin=5))
    readings = [84, 86, 84, 86, 81, 80, 79, 86]
    seen = [keys(engine, sample(gpu=gpu(temp=t))) for t in readings]
    active = [bool(a) for a, _, _ in seen]
    assert active == [False, True, True, True, True, True, False, True]
    assert [r for _, r, _ in seen].count(["gpu_temp:0"]) == 2  # raised twice, not four times
    assert seen[6][2] == ["gpu_temp:0"]
    up = engine.update(sample(gpu=gpu(temp=90)))
    assert up.active[0].text == "GPU 0 at 90 °C (above 85 °C)" and up.active[0].level == "error"
    assert up.raised == ()  # still the same alert, updated text


def test_vram_and_disk_thresholds() -> None:
    engine = AlertEngine(AlertThresholds(vram_percent=90, vram_clear_margin=5))
    active, raised, _ = keys(engine, sample(gpu=gpu(used=15), host=host(disk_used=490)))
    assert sorted(raised) == ["disk:/", "vram:0"] and sorted(active) == sorted(raised)
    _, _, cleared = keys(engine, sample(gpu=gpu(used=14), host=host(disk_used=490)))
    assert cleared == []  # 87.5% is inside the margin
    _, _, cleared = keys(engine, sample(gpu=gpu(used=13), host=host(disk_used=100)))
    assert sorted(cleared) == ["disk:/", "vram:0"]


def test_spilled_model_clears_after_good_samples_in_a_row() -> None:
    engine = AlertEngine(AlertThresholds(clear_after=2))
    spilled, fine = sample(ollama=ollama(spilled=True)), sample(ollama=ollama(spilled=False))
    assert keys(engine, spilled)[1] == ["spilled:qwen2.5-coder:14b"]
    up = engine.update(spilled)
    assert up.active[0].text == "qwen2.5-coder:14b spilled to CPU: 75% on GPU"
    assert keys(engine, fine)[0] == ["spilled:qwen2.5-coder:14b"]  # one good sample: held
    assert keys(engine, spilled)[1] == []  # back to bad: not raised again
    assert keys(engine, fine)[2] == []
    assert keys(engine, fine)[2] == ["spilled:qwen2.5-coder:14b"]


def test_an_unloaded_model_clears_its_alert_but_an_unreachable_ollama_does_not() -> None:
    engine = AlertEngine()
    engine.update(sample(ollama=ollama(spilled=True)))
    down = OllamaStatus(False, error="unreachable")
    assert keys(engine, sample(ollama=down))[0] == ["spilled:qwen2.5-coder:14b"]
    empty = replace(ollama(), models=())
    assert keys(engine, sample(ollama=empty))[2] == ["spilled:qwen2.5-coder:14b"]


def test_battery_and_throttling() -> None:
    engine = AlertEngine(AlertThresholds(clear_after=1))
    active, _, _ = keys(engine, sample(host=host(plugged=False), gpu=gpu(throttle=("hw_thermal",))))
    assert sorted(active) == ["battery", "throttle:0"]
    assert keys(engine, sample())[2] == ["throttle:0", "battery"]


def test_missing_gpu_readings_neither_raise_nor_clear() -> None:
    engine = AlertEngine()
    engine.update(sample(gpu=gpu(temp=95)))
    assert keys(engine, sample(gpu=NO_DRIVER_GPU))[0] == ["gpu_temp:0"]
    assert keys(engine, sample(gpu=None, host=None, ollama=None))[0] == ["gpu_temp:0"]


def test_switched_off_alerts_stay_quiet() -> None:
    t = AlertThresholds(spilled=False, on_battery=False, throttling=False)
    engine = AlertEngine(t)
    s = sample(
        host=host(plugged=False), ollama=ollama(spilled=True), gpu=gpu(throttle=("sw_power_cap",))
    )
    assert keys(engine, s) == ([], [], [])
