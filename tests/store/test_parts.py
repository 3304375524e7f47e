"""The ledger is composed, not stacked: each part works alone over the connections it is
given (real SQLite files), and the facade inherits from nothing of the package (not even the
``Ledger`` protocol: it keeps it structurally)."""

from __future__ import annotations

from pathlib import Path

from swarm_tui.store.consensus import ConsensusRecords
from swarm_tui.store.db import connect
from swarm_tui.store.flags import FlagRecords
from swarm_tui.store.ledger import SqliteLedger
from swarm_tui.store.reader import Reader
from swarm_tui.store.spend import SpendReads
from swarm_tui.store.writer import GroupWriter


def test_the_ledger_is_a_facade_over_parts() -> None:
    assert SqliteLedger.__bases__ == (object,)


async def test_a_part_works_alone_over_a_reader_and_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "parts.db"
    write, read = await connect(path), await connect(path)
    writer = GroupWriter(write, interval=0.001)
    writer.start()
    try:
        reader = Reader(path, read)
        flags = FlagRecords(reader, writer)
        await flags.set_flag("paused_all", "1", 1.0)
        assert await flags.flags() == {"paused_all": "1"}
        spend = SpendReads(reader, ConsensusRecords(reader, writer))
        totals = await spend.totals()
        assert (totals.by_state, totals.cost_usd) == ({}, 0.0)
    finally:
        await writer.close()
        await read.close()
        await write.close()

    ledger = await SqliteLedger.open(path)  # what the part wrote is the ledger's
    try:
        assert await ledger.flags() == {"paused_all": "1"}
        assert [kind for kind, _, _ in await ledger.events()] == ["flag"]
    finally:
        await ledger.close()
