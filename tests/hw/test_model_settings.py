"""Samples to JSON and back; ``[hardware]`` settings validation."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from swarm_tui.config.hardware import AlertThresholds, HardwareConfig
from swarm_tui.hw.model import HardwareSample, SampleFormatError
from tests.hw.samples import NO_DRIVER_GPU, ollama, sample


def test_samples_round_trip_through_json() -> None:
    for s in (
        sample(ollama=ollama(spilled=True)),
        sample(gpu=NO_DRIVER_GPU, host=None),
        sample(errors=("probe: down",)),
    ):
        assert HardwareSample.from_json(json.loads(json.dumps(s.to_json()))) == s


def test_routing_inputs() -> None:
    s = sample()
    assert s.loaded_models == ("qwen2.5-coder:14b", "llama3.2:3b")
    assert s.vram_pressure == pytest.approx(10 / 16)
    assert sample(gpu=NO_DRIVER_GPU).vram_pressure is None


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ([], "sample: expected an object"),
        ({"time": "noon"}, "sample.time: expected float"),
        ({"time": 1.0, "host": {"hostname": 3, "cpu_percent": 1}}, "sample.host.hostname"),
        ({"time": 1.0, "gpu": {"available": True, "gpus": [{"index": 0}]}}, "gpus[0]"),
        ({"time": 1.0, "host": {"hostname": "h", "cpu_percent": 1, "load": [1, 2]}}, "load"),
    ],
)
def test_a_malformed_sample_says_where(data: object, where: str) -> None:
    with pytest.raises(SampleFormatError, match=where.replace("[", r"\[").replace("]", r"\]")):
        HardwareSample.from_json(data)


@pytest.mark.parametrize(
    ("host", "where"),
    [
        ({"cpu_percent": "12"}, "sample.host.cpu_percent: expected float, got '12'"),
        ({"cpu_percent": True}, "sample.host.cpu_percent: expected float, got True"),
        ({"cpu_percent": 1, "cores": 2.5}, "sample.host.cores: expected int, got 2.5"),
        ({"cpu_percent": 1, "cores": "8"}, "sample.host.cores: expected int, got '8'"),
        ({"cpu_percent": 1, "battery": {"percent": 5, "plugged": "yes"}}, "plugged"),
    ],
)
def test_json_types_are_required_not_coerced(host: dict[str, object], where: str) -> None:
    data = {"time": 1.0, "host": {"hostname": "h", **host}}
    with pytest.raises(SampleFormatError) as caught:
        HardwareSample.from_json(data)
    assert where in str(caught.value)


def test_a_list_where_a_fixed_tuple_goes_is_read_as_the_tuple() -> None:
    data = {"time": 1, "host": {"hostname": "h", "cpu_percent": 1, "load": [1, 2, 3.5]}}
    host = HardwareSample.from_json(data).host
    assert host is not None and host.load == (1.0, 2.0, 3.5)
    assert HardwareSample.from_json(data).time == 1.0


def test_unknown_keys_from_newer_probes_are_ignored() -> None:
    data = sample().to_json() | {"alerts": [], "new_thing": 1}
    assert HardwareSample.from_json(data) == sample()


def test_hardware_config_defaults_and_errors() -> None:
    config = HardwareConfig()
    assert config.interval_s == 2.0 and config.history == 300 and not config.remote
    assert config.thresholds.vram_percent == 90 and config.thresholds.gpu_temp_c == 85
    assert HardwareConfig(ollama_base_url="").ollama_base_url is None
    with pytest.raises(ValidationError, match="expected an http"):
        HardwareConfig(node_exporter_url="gpu-box:9100")
    with pytest.raises(ValidationError):
        HardwareConfig(interval_s=0.0)
    with pytest.raises(ValidationError):
        HardwareConfig(probe_token_env="not a name")
    with pytest.raises(ValidationError):
        HardwareConfig.model_validate({"interval": 2})  # typo: extra keys are refused
    with pytest.raises(ValidationError):
        AlertThresholds(vram_percent=120)
    assert HardwareConfig(probe_url="http://gpu:9477").remote


def test_every_setting_has_a_docstring() -> None:
    for model in (HardwareConfig, AlertThresholds):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name}"
