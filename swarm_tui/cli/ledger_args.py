"""Arguments of ``swarm-tui ledger copy`` (argparse only: the parser imports this for every
command)."""

from __future__ import annotations

import argparse

__all__ = ["add_ledger_arguments"]


def add_ledger_arguments(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    ledger = sub.add_parser("ledger", parents=[common], help="move a ledger between backends")
    actions = ledger.add_subparsers(dest="ledger_action", metavar="ACTION", required=True)
    copy = actions.add_parser(
        "copy",
        help="copy a whole ledger (file or postgresql:// URL) into a new one, counts checked",
    )
    copy.add_argument("source", metavar="FROM", help="ledger file or postgresql://user@host/db")
    copy.add_argument("dest", metavar="TO", help="new ledger file or an empty PostgreSQL database")
    copy.add_argument(
        "--password-env",
        metavar="NAME",
        help="environment variable with the PostgreSQL password (default: [storage] password_env)",
    )
