"""``swarm-tui ledger copy FROM TO``: a SQLite ledger to PostgreSQL, or back, counts checked
(``store/pg/copy.py``). Each end is a file path or a ``postgresql://`` URL (its password from
``--password-env``, else ``[storage] password_env``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from swarm_tui.core.opening import settings_from_args
from swarm_tui.store.identity import LedgerError
from swarm_tui.store.ledger import SqliteLedger

__all__ = ["cmd_ledger"]


def _say(line: str) -> None:
    print(f"swarm-tui: {line}", file=sys.stderr, flush=True)


async def cmd_ledger(args: argparse.Namespace) -> int:
    try:
        from swarm_tui.store.pg.copy import CopyEnd, copy_rows
        from swarm_tui.store.pg.ledger import PgLedger
        from swarm_tui.store.pg.url import PgTarget, is_pg_url
    except ImportError as exc:
        _say(f"ledger copy needs the PostgreSQL driver ({exc.name}): install the postgres extra")
        return 1
    settings = settings_from_args(getattr(args, "config", None))
    password_env = args.password_env or settings.storage.password_env

    def end(text: str) -> CopyEnd:
        if is_pg_url(text):
            return CopyEnd(target=PgTarget(text, password_env))
        return CopyEnd(path=Path(text).expanduser())

    source, dest = end(args.source), end(args.dest)
    if source.shown == dest.shown:
        _say("FROM and TO are the same ledger")
        return 2
    try:
        for side, readonly in ((source, True), (dest, False)):  # schema checked / made
            if side.target is not None:
                await (await PgLedger.open(side.target, Path("."), readonly=readonly)).close()
            else:
                assert side.path is not None
                if not readonly:
                    side.path.parent.mkdir(parents=True, exist_ok=True)
                await (await SqliteLedger.open(side.path, readonly=readonly)).close()
        counts = await asyncio.to_thread(copy_rows, source, dest)
    except LedgerError as exc:
        _say(str(exc))
        return 1
    for count in counts:
        print(f"{count.table:<17} {count.source:>9} -> {count.copied:>9}  ok")
    total = sum(c.copied for c in counts)
    print(f"copied {total} rows from {source.shown} to {dest.shown}; every count matches")
    return 0
