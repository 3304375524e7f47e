"""``probe --serve`` against DNS rebinding and token leaks: without a token only requests
naming this host by a loopback name (or an allowed one) are answered; the token comes from
the environment or a file, never the command line (``/proc/PID/cmdline`` is world-readable);
ports are checked where they are given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from swarm_tui.cli.main import main
from swarm_tui.hw.probe import ProbeServer
from tests.hw.test_cli import CLOSED
from tests.hw.test_probe import latest, port_of


async def _status(server: ProbeServer, host: str | None, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if host is not None:
        headers["Host"] = host
    async with httpx.AsyncClient() as client:
        reply = await client.get(f"http://127.0.0.1:{port_of(server)}/sample", headers=headers)
    return reply.status_code


async def test_without_a_token_only_loopback_names_are_answered() -> None:
    async with ProbeServer(latest, port=0) as server:
        port = port_of(server)
        assert await _status(server, f"evil.example:{port}") == 421  # a rebinding page
        assert await _status(server, "attacker.test") == 421
        assert await _status(server, "") == 421
        assert await _status(server, f"127.0.0.1:{port}") == 200
        assert await _status(server, f"localhost:{port}") == 200
        assert await _status(server, f"[::1]:{port}") == 200
        assert await _status(server, None) == 200  # httpx sends 127.0.0.1:PORT


async def test_allowed_names_and_token_holders_may_use_other_names() -> None:
    async with ProbeServer(latest, port=0, allowed_hosts=["gpu.lan"]) as server:
        assert await _status(server, f"GPU.lan:{port_of(server)}") == 200
        assert await _status(server, "other.lan") == 421
    async with ProbeServer(latest, host="0.0.0.0", port=0, token="tok") as server:
        assert await _status(server, "gpu-box.example:9477", token="tok") == 200
        assert await _status(server, "gpu-box.example:9477") == 401


def test_token_on_the_command_line_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "--serve", "--token", "s3cret-value", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "--token is not accepted" in err and "s3cret-value" not in err
    assert "SWARM_TUI_PROBE_TOKEN" in err and "--token-file" in err


def test_bad_ports_are_refused_at_parsing(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("99999", "-1", "http"):
        with pytest.raises(SystemExit) as exit_:
            main(["probe", "--serve", "--port", bad])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert f"'{bad}' is not a port: expected a whole number from 0 to 65535" in err


def test_unreadable_token_file_is_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope"
    assert main(["probe", "--serve", "--token-file", str(missing), "--port", "0"]) == 2
    assert f"--token-file {missing}: cannot read" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.write_text("\n")
    assert main(["probe", "--serve", "--token-file", str(empty), "--port", "0"]) == 2
    assert "the file is empty" in capsys.readouterr().err


def test_token_file_guards_a_real_probe_and_stays_out_of_its_cmdline(tmp_path: Path) -> None:
    token = "probe-token-" + "z" * 24
    token_file = tmp_path / "probe.token"
    token_file.write_text(token + "\n")
    cmd = [sys.executable, "-m", "swarm_tui.cli.hw", "probe", "--serve", "--port", "0",
           "--host", "0.0.0.0", "--token-file", str(token_file), "--ollama", CLOSED]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "SWARM_TUI_PROBE_TOKEN"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "bearer token required" in line, proc.stderr.read() if proc.stderr else line
        port = line.split("serving http://", 1)[1].split("/sample", 1)[0].rsplit(":", 1)[1]
        url = f"http://127.0.0.1:{port}/sample"
        assert httpx.get(url, timeout=10).status_code == 401
        good = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert good.status_code == 200
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
        assert token.encode() not in cmdline and str(token_file).encode() in cmdline
    finally:
        proc.terminate()
        proc.wait(timeout=10)
