"""Arguments of ``swarm-tui up`` and ``swarm-tui down`` (argparse only: the parser imports
this for every command)."""

from __future__ import annotations

import argparse

__all__ = ["add_service_arguments"]


def add_service_arguments(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    up = sub.add_parser(
        "up",
        parents=[common],
        help="start the orchestrator as a service that outlives the terminal",
    )
    up.add_argument(
        "--foreground", action="store_true", help="run in this process (for systemd: Type=simple)"
    )
    up.add_argument("--wait", type=float, default=120.0, metavar="S",
                    help="seconds to wait for the service to answer (default 120)")  # fmt: skip
    up.add_argument("--detached", action="store_true", help=argparse.SUPPRESS)
    down = sub.add_parser("down", parents=[common], help="stop the ledger's service cleanly")
    down.add_argument("--wait", type=float, default=120.0, metavar="S",
                      help="seconds to wait for it to be gone (default 120)")  # fmt: skip
