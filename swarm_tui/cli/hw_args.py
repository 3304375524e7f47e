"""The arguments of ``swarm-tui hw`` and ``swarm-tui probe`` (the commands are in
:mod:`swarm_tui.cli.hw`): building the parser loads nothing of the hardware readers."""

from __future__ import annotations

import argparse

from swarm_tui.cli.argtypes import port_or_zero

__all__ = ["DEFAULT_PROBE_PORT", "TOKEN_ENV", "add_hw_arguments", "add_probe_arguments"]

TOKEN_ENV = "SWARM_TUI_PROBE_TOKEN"
DEFAULT_PROBE_PORT = 9477


def add_hw_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    _add_sources(parser)


def add_probe_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--serve",
        action="store_true",
        help="serve /sample (JSON) and /metrics (Prometheus) until stopped",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; others need a token)",
    )
    parser.add_argument(
        "--port",
        type=port_or_zero,
        default=DEFAULT_PROBE_PORT,
        help=f"port (default {DEFAULT_PROBE_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--token-file",
        metavar="FILE",
        default=None,
        help=f"read the bearer token requests must carry from FILE (default: ${TOKEN_ENV})",
    )
    parser.add_argument(
        "--allow-host",
        metavar="NAME",
        action="append",
        default=[],
        help="without a token, also answer requests naming this host (repeatable)",
    )
    parser.add_argument("--token", default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--ollama",
        metavar="URL",
        default=None,
        help="Ollama to report (default: [hardware] ollama_base_url)",
    )


def _add_sources(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ollama",
        metavar="URL",
        default=None,
        help="Ollama to read (default: [hardware] ollama_base_url)",
    )
    parser.add_argument(
        "--node-exporter",
        metavar="URL",
        default=None,
        help="read the host from this node_exporter /metrics URL",
    )
    parser.add_argument(
        "--gpu-exporter",
        metavar="URL",
        default=None,
        help="read GPUs from this dcgm-exporter/nvidia_gpu_exporter URL",
    )
    parser.add_argument(
        "--probe",
        metavar="URL",
        default=None,
        help="read everything from a remote `swarm-tui probe --serve`",
    )
