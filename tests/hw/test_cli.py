"""``swarm-tui hw [--json]`` on this machine (no GPU, no Ollama: both reported, not fatal)
and ``swarm-tui probe --serve`` as a real process."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import httpx
import pytest

from swarm_tui.cli.hw import add_hw_arguments, add_probe_arguments, cmd_hw, main
from swarm_tui.config.hardware import HardwareConfig
from swarm_tui.hw.model import HardwareSample
from tests.hw.ollama_replies import PS, TAGS, VERSION
from tests.providers.loopback import LoopbackServer, json_reply

CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, connection refused


def hw_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_hw_arguments(parser)
    return parser.parse_args(argv)


def test_hw_json_is_one_valid_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_hw(hw_args("--json", "--ollama", CLOSED)) == 0
    data = json.loads(capsys.readouterr().out)
    sample = HardwareSample.from_json(data)
    assert sample.host is not None and sample.host.mem_total_bytes
    assert sample.host.cpu_percent is not None and 0 <= sample.host.cpu_percent <= 100
    assert sample.gpu is not None
    assert sample.ollama is not None and not sample.ollama.reachable
    assert isinstance(data["alerts"], list)


def test_hw_table_names_every_part(capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_hw(hw_args("--ollama", CLOSED), HardwareConfig(top_processes=2)) == 0
    out = capsys.readouterr().out
    for label in ("host ", "memory ", "disk ", "gpu", "ollama ", "top "):
        assert any(line.startswith(label) for line in out.splitlines()), label
    assert "unreachable" in out


async def test_hw_with_ollama_on_loopback_shows_the_spilled_model() -> None:
    async with LoopbackServer() as srv:
        srv.route("GET", "/api/ps", json_reply(200, PS))
        srv.route("GET", "/api/tags", json_reply(200, TAGS))
        srv.route("GET", "/api/version", json_reply(200, VERSION))
        argv = ["hw", "--ollama", srv.url]
        code = f"from swarm_tui.cli.hw import main; raise SystemExit(main({argv!r}))"
        proc = await _run(code)
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if "qwen2.5-coder:14b" in ln)
    assert "75% GPU" in line and "SPILLED TO CPU" in line


async def _run(code: str) -> subprocess.CompletedProcess[str]:
    import asyncio

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await proc.communicate()
    return subprocess.CompletedProcess([], proc.returncode or 0, out.decode(), err.decode())


def test_a_bad_url_is_one_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert cmd_hw(hw_args("--probe", "gpu-box:9477")) == 2
    err = capsys.readouterr().err
    assert "probe_url" in err and "http://" in err and "Traceback" not in err


def test_python_dash_m_defaults_to_hw(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "--ollama", CLOSED]) == 0
    assert "host" in json.loads(capsys.readouterr().out)


@pytest.mark.slow
def test_probe_serves_as_a_real_process() -> None:
    cmd = [
        sys.executable,
        "-m",
        "swarm_tui.cli.hw",
        "probe",
        "--serve",
        "--port",
        "0",
        "--ollama",
        CLOSED,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "serving http://127.0.0.1:" in line, proc.stderr.read() if proc.stderr else line
        url = line.split("serving ", 1)[1].split("/sample", 1)[0]
        reply = httpx.get(url + "/sample", timeout=10)
        assert reply.status_code == 200
        assert HardwareSample.from_json(reply.json()).host is not None
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0  # SIGTERM stops it cleanly


def test_probe_arguments_parse() -> None:
    parser = argparse.ArgumentParser()
    add_probe_arguments(parser)
    args = parser.parse_args(["--serve", "--host", "0.0.0.0", "--port", "9500"])
    assert (args.serve, args.host, args.port, args.token) == (True, "0.0.0.0", 9500, None)
