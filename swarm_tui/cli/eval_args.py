"""The arguments of ``swarm-tui eval`` (the command is in :mod:`swarm_tui.cli.evals`):
building the parser loads nothing of the eval engine."""

from __future__ import annotations

import argparse

__all__ = ["add_eval_arguments"]


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {value}")
    return value


def add_eval_arguments(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                       common: argparse.ArgumentParser) -> None:  # fmt: skip
    ev = sub.add_parser(
        "eval",
        parents=[common],
        help="measure configurations on an eval set: quality against cost",
    )
    ev.add_argument("file", metavar="SET", help="eval set: TOML ([[case]] tables) or JSONL")
    ev.add_argument(
        "--against",
        action="append",
        required=True,
        metavar="A,B,...",
        help="configurations: provider/model, ROLE (its mix), consensus:ROLE,"
        " cascade:A>B (escalates on a failed check), cascade:A>B@0.7 (escalates when the"
        " model's reported confidence is below 0.7)",
    )
    ev.add_argument("--repeat", type=_positive, default=1, help="runs per case (default 1)")
    ev.add_argument("--judge", metavar="PROVIDER/MODEL", help="judge model for rubric cases")
    ev.add_argument(
        "--run", metavar="NAME", help="run name (default: set name + digest; same = resume)"
    )
    ev.add_argument("--format", choices=("md", "json", "csv"), default="md")
    ev.add_argument("--plot", metavar="FILE.svg", help="write the cost/quality plot as SVG")
    ev.add_argument(
        "--compare", metavar="RUN", help="show this run beside another run of the ledger"
    )
    ev.add_argument(
        "--pairwise",
        metavar="A,B",
        help="also compare two configurations' answers by --judge, blind, in both orders",
    )
    ev.add_argument("--quiet", action="store_true", help="no progress bar")
