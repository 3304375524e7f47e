"""``swarm-tui probe --serve``: JSON and metrics over loopback, the token rule, and a remote
control room reading it back. Requests only ever go to 127.0.0.1."""

from __future__ import annotations

import argparse
import asyncio
import math

import httpx
import pytest

from swarm_tui.cli.hw import cmd_probe
from swarm_tui.hw.model import HardwareSample
from swarm_tui.hw.probe import ProbeError, ProbeServer, check_bind, is_loopback
from swarm_tui.hw.promtext import parse
from swarm_tui.hw.remote import ProbeSource
from tests.hw.samples import GIB, ollama, sample

SAMPLE = sample(ollama=ollama(spilled=True))


async def latest() -> HardwareSample:
    return SAMPLE


def port_of(server: ProbeServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


async def test_sample_json_round_trips() -> None:
    async with ProbeServer(latest, port=0) as server, httpx.AsyncClient() as client:
        reply = await client.get(server.url + "/sample")
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/json"
    assert HardwareSample.from_json(reply.json()) == SAMPLE


async def test_metrics_are_prometheus_text_our_parser_reads() -> None:
    async with ProbeServer(latest, port=0) as server, httpx.AsyncClient() as client:
        reply = await client.get(server.url + "/metrics")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
    scrape = parse(reply.text)
    assert scrape.types["swarm_hw_cpu_percent"] == "gauge"
    assert scrape.first("swarm_hw_cpu_percent") == 35.0
    assert scrape.first("swarm_hw_gpu_temperature_celsius", gpu="0") == 70.0
    assert scrape.first("swarm_hw_gpu_memory_used_bytes", name="RTX 4090 Laptop") == 10 * GIB
    assert scrape.first("swarm_hw_ollama_model_vram_bytes", model="qwen2.5-coder:14b") == 9 * GIB
    assert scrape.first("swarm_hw_filesystem_size_bytes", mountpoint="/") == 500 * GIB
    assert not any(math.isnan(s.value) for s in scrape.samples)


async def test_read_only_and_unknown_paths() -> None:
    async with ProbeServer(latest, port=0) as server, httpx.AsyncClient() as client:
        post = await client.post(server.url + "/sample", content=b"{}")
        missing = await client.get(server.url + "/admin")
    assert post.status_code == 405 and post.headers["allow"] == "GET"
    assert missing.status_code == 404


async def test_a_token_is_required_once_set() -> None:
    async with ProbeServer(latest, port=0, token="s3cret") as server, httpx.AsyncClient() as c:
        bare = await c.get(server.url + "/sample")
        wrong = await c.get(server.url + "/sample", headers={"Authorization": "Bearer nope"})
        basic = await c.get(server.url + "/metrics", headers={"Authorization": "Basic s3cret"})
        right = await c.get(server.url + "/sample", headers={"Authorization": "Bearer s3cret"})
    assert [bare.status_code, wrong.status_code, basic.status_code] == [401, 401, 401]
    assert bare.headers["www-authenticate"] == "Bearer" and "s3cret" not in bare.text
    assert right.status_code == 200


async def test_a_failing_sampler_is_a_500_and_the_server_keeps_serving() -> None:
    async def broken() -> HardwareSample:
        raise RuntimeError("psutil went away")

    async with ProbeServer(broken, port=0) as server, httpx.AsyncClient() as client:
        first = await client.get(server.url + "/sample")
        second = await client.get(server.url + "/metrics")
    assert (first.status_code, second.status_code) == (500, 500)
    assert first.text == "no sample: RuntimeError\n"


async def test_garbage_is_a_400() -> None:
    async with ProbeServer(latest, port=0) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
        writer.write(b"HELLO\r\n\r\n")
        await writer.drain()
        reply = await reader.read()
        writer.close()
        await writer.wait_closed()
    assert reply.startswith(b"HTTP/1.1 400 ")


def test_loopback_detection() -> None:
    for host in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "192.168.1.20", "gpu-box.lan", ""):
        assert not is_loopback(host), host


def test_non_loopback_without_a_token_is_refused_before_binding() -> None:
    with pytest.raises(ProbeError, match=r"refusing to serve on 0\.0\.0\.0 without a token"):
        check_bind("0.0.0.0", None)
    with pytest.raises(ProbeError):
        ProbeServer(latest, host="192.168.1.20", port=0)
    check_bind("0.0.0.0", "tok")
    check_bind("127.0.0.1", None)


async def test_all_interfaces_with_a_token_answers_only_with_it() -> None:
    async with ProbeServer(latest, host="0.0.0.0", port=0, token="tok") as server:
        url = f"http://127.0.0.1:{port_of(server)}"
        async with httpx.AsyncClient() as client:
            bare = await client.get(url + "/sample")
            good = await client.get(url + "/sample", headers={"Authorization": "Bearer tok"})
    assert (bare.status_code, good.status_code) == (401, 200)


def test_cmd_probe_refuses_a_public_address_without_a_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SWARM_TUI_PROBE_TOKEN", raising=False)
    args = argparse.Namespace(serve=True, host="0.0.0.0", port=0, token=None, ollama=None)
    assert cmd_probe(args) == 2
    err = capsys.readouterr().err
    assert "refusing to serve on 0.0.0.0 without a token" in err and "Traceback" not in err


async def test_a_remote_control_room_reads_the_probe() -> None:
    async with ProbeServer(latest, port=0, token="tok") as server:
        good = ProbeSource(server.url, token="tok")
        bad = ProbeSource(server.url, token="wrong")
        try:
            reading, refused = await good.read(), await bad.read()
        finally:
            await good.aclose()
            await bad.aclose()
    assert (reading.host, reading.gpu, reading.ollama) == (SAMPLE.host, SAMPLE.gpu, SAMPLE.ollama)
    assert refused.gpu is not None and not refused.gpu.available
    assert refused.errors and "HTTP 401" in refused.errors[0]
