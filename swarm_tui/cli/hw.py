"""``swarm-tui hw [--json]`` and ``swarm-tui probe [--serve]``.

``add_hw_arguments``/``add_probe_arguments`` fill a subparser; ``cmd_hw``/``cmd_probe`` run the
command and return the exit code (2 with one clear message for bad input). Also runnable as
``python -m swarm_tui.cli.hw [hw|probe] ...``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from swarm_tui.cli.hw_args import (
    DEFAULT_PROBE_PORT,
    TOKEN_ENV,
    add_hw_arguments,
    add_probe_arguments,
)
from swarm_tui.config.hardware import HardwareConfig
from swarm_tui.hw.model import HardwareSample
from swarm_tui.hw.probe import ProbeError, ProbeServer, check_bind
from swarm_tui.hw.report import sample_json, sample_lines
from swarm_tui.hw.sampler import Sampler, make_sampler

__all__ = ["add_hw_arguments", "add_probe_arguments", "cmd_hw", "cmd_probe", "main"]

SETTLE_S = 0.5
"""Between the two readings ``hw`` takes: CPU use is a difference of two counters."""


def _config(args: argparse.Namespace, config: HardwareConfig | None) -> HardwareConfig:
    data = (config or HardwareConfig()).model_dump()
    for arg, key in (
        ("ollama", "ollama_base_url"),
        ("node_exporter", "node_exporter_url"),
        ("gpu_exporter", "gpu_exporter_url"),
        ("probe", "probe_url"),
    ):
        value = getattr(args, arg, None)
        if value:
            data[key] = value
    return HardwareConfig.model_validate(data)


def _bad_config(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"swarm-tui: [hardware] {where}: {first['msg']}"


# ---------------------------------------------------------------------- hw
def cmd_hw(args: argparse.Namespace, config: HardwareConfig | None = None) -> int:
    """Print one sample: a table, or one JSON object with ``--json``. Exit 0 (a missing GPU or
    Ollama is part of the sample, not an error); 2 on a bad URL."""
    try:
        cfg = _config(args, config)
    except ValidationError as exc:
        print(_bad_config(exc), file=sys.stderr)
        return 2
    return asyncio.run(_hw(cfg, json_out=bool(getattr(args, "json", False))))


async def _hw(config: HardwareConfig, *, json_out: bool) -> int:
    sampler = make_sampler(config)
    try:
        await sampler.sample_once()
        await asyncio.sleep(SETTLE_S)
        event = await sampler.sample_once()
    finally:
        await sampler.aclose()
    if json_out:
        print(json.dumps(sample_json(event.sample, event.alerts.active), indent=2))
    else:
        print("\n".join(sample_lines(event.sample, event.alerts.active)))
    return 0


# ---------------------------------------------------------------------- probe
def cmd_probe(args: argparse.Namespace, config: HardwareConfig | None = None) -> int:
    """``--serve``: serve this host's samples until stopped. Without it: print one sample as
    JSON, exactly what ``/sample`` would serve. Exit 2 when the address needs a token."""
    try:
        cfg = _config(args, config)
    except ValidationError as exc:
        print(_bad_config(exc), file=sys.stderr)
        return 2
    # The probe reports its own host: remote sources make no sense here.
    cfg = cfg.model_copy(
        update={"node_exporter_url": None, "gpu_exporter_url": None, "probe_url": None}
    )
    if not getattr(args, "serve", False):
        return asyncio.run(_hw(cfg, json_out=True))
    host = getattr(args, "host", "127.0.0.1")
    try:
        token = probe_token(args)
        check_bind(host, token)
    except ProbeError as exc:
        print(f"swarm-tui probe: {exc}", file=sys.stderr)
        return 2
    port = getattr(args, "port", DEFAULT_PROBE_PORT)
    allowed = list(getattr(args, "allow_host", None) or [])
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(serve_probe(cfg, host, port, token, allowed_hosts=allowed))
    return 0


def probe_token(args: argparse.Namespace) -> str | None:
    """The token from ``--token-file`` or ``$SWARM_TUI_PROBE_TOKEN``; never from the command
    line, where every local user can read it (``ps``, ``/proc/PID/cmdline``)."""
    if getattr(args, "token", None):
        raise ProbeError(
            "--token is not accepted: the process list shows it to every user on this host;"
            f" put the token in ${TOKEN_ENV} or in a file for --token-file"
        )
    path = getattr(args, "token_file", None)
    if not path:
        return os.environ.get(TOKEN_ENV) or None
    try:
        token = Path(path).expanduser().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ProbeError(f"--token-file {path}: cannot read: {why}") from None
    if not token:
        raise ProbeError(f"--token-file {path}: the file is empty")
    return token


async def serve_probe(
    config: HardwareConfig,
    host: str,
    port: int,
    token: str | None,
    stop: asyncio.Event | None = None,
    allowed_hosts: Sequence[str] = (),
) -> int:
    """Sample in the background and serve the newest sample until ``stop`` (or SIGTERM)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    sampler = make_sampler(config)
    await sampler.sample_once()

    async def latest() -> HardwareSample:
        return _newest(sampler)

    runner = asyncio.create_task(sampler.run())
    try:
        async with ProbeServer(latest, host, port, token, allowed_hosts) as server:
            guarded = "bearer token required" if token else "no token (loopback only)"
            print(
                f"swarm-tui probe: serving {server.url}/sample and /metrics; {guarded}", flush=True
            )
            await stop.wait()
    except OSError as exc:
        print(f"swarm-tui probe: cannot bind {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        await sampler.aclose()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)
    return 0


def _newest(sampler: Sampler) -> HardwareSample:
    assert sampler.history, "sampled once before serving"
    return sampler.history[-1]


# ---------------------------------------------------------------------- python -m
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m swarm_tui.cli.hw")
    sub = parser.add_subparsers(dest="command")
    add_hw_arguments(sub.add_parser("hw", help="print one hardware sample"))
    add_probe_arguments(sub.add_parser("probe", help="serve this host's hardware readings"))
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("hw", "probe", "-h", "--help"):
        argv.insert(0, "hw")
    args = parser.parse_args(argv)
    return cmd_probe(args) if args.command == "probe" else cmd_hw(args)


if __name__ == "__main__":
    raise SystemExit(main())
