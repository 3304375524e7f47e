"""The arguments of ``swarm-tui pause-all|resume-all|pause-agent|resume-agent``; the commands
are in :mod:`swarm_tui.cli.pauses`."""

from __future__ import annotations

import argparse

__all__ = ["PAUSES", "add_pause_commands"]

PAUSES = {
    "pause-all": "dispatch nothing; running attempts stop (output kept) and re-queue",
    "resume-all": "undo pause-all",
    "pause-agent": "no new work for agents; their running attempts stop and re-queue",
    "resume-agent": "undo pause-agent",
}


def add_pause_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    for name, help_text in PAUSES.items():
        command = sub.add_parser(name, parents=[common], help=help_text)
        if name.endswith("-agent"):
            command.add_argument("agents", nargs="+", metavar="AGENT", help="agent names")
        if name.startswith("pause"):
            command.add_argument(
                "--keep-running",
                action="store_true",
                help="let attempts already running finish (in every process on the ledger)",
            )
