"""How a one-line command reaches the swarm: one small interface, :class:`SwarmLink`, and
:func:`open_link`, which picks the way in. When a service (``swarm-tui up``) serves the
ledger, its socket (:class:`~swarm_tui.cli.service_link.ServiceLink`): a cancel stops the
attempt there at once. Otherwise the ledger itself
(:class:`~swarm_tui.core.ledger_control.LedgerControl`, no orchestrator in this process); a
socket nobody answers on (a service killed with ``kill -9``) gets one line on stderr and the
ledger is used.

Only what a command needs is imported: the config's few values it reads (no config model for
a config seen valid before, :mod:`swarm_tui.config.quick`), the ledger, the shared ledger
moves. No provider, MCP SDK or orchestrator is loaded for ``submit``, ``status``,
``result``, ...
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from swarm_tui.config.quick import CommandSettings
from swarm_tui.core.opening import command_settings, db_path, db_url, ledger_name, open_ledger
from swarm_tui.domain.models import Attempt, Task, TaskSpec
from swarm_tui.service.paths import ServicePaths
from swarm_tui.store.db import NO_LEDGER, LedgerError
from swarm_tui.store.records import Totals

if TYPE_CHECKING:
    from swarm_tui.core.consensus import ConsensusRecord

__all__ = ["SwarmLink", "open_link"]


class SwarmLink(Protocol):
    """The calls the one-line commands make (a subset of the public API, ``Control``);
    ``settings``: the config as the commands read it (``.full()``: all of it)."""

    settings: CommandSettings

    async def task(self, task_id: int) -> Task: ...
    async def tasks(self) -> list[Task]: ...
    async def attempts(self, task_id: int) -> list[Attempt]: ...
    async def totals(self) -> Totals: ...
    async def consensus_record(self, task_id: int) -> ConsensusRecord | None: ...
    async def conflicts(self) -> list[tuple[Task, ConsensusRecord]]: ...
    def changes(self, poll: float = ...) -> AsyncIterator[None]:
        """Yields at once, then whenever what the swarm holds may have changed (for
        ``--watch``, ``-f``): read after each."""
        ...

    async def submit(
        self, specs: Sequence[TaskSpec], labels: Sequence[str] | None = None
    ) -> list[tuple[Task, bool]]: ...
    async def cancel(self, task_id: int) -> Task: ...
    async def pause(self, task_id: int) -> Task: ...
    async def resume(self, task_id: int) -> Task: ...
    async def retry(self, task_id: int) -> Task: ...
    async def set_priority(self, task_id: int, priority: int) -> Task: ...
    async def reassign(
        self, task_id: int, *, agent: str | None = None, model: str | None = None
    ) -> Task: ...
    async def decide(self, task_id: int, label: str, note: str = "") -> Task: ...
    async def pause_all(self, *, stop_running: bool = True) -> None: ...
    async def resume_all(self) -> None: ...
    async def pause_agent(self, agent: str, *, stop_running: bool = True) -> None: ...
    async def resume_agent(self, agent: str) -> None: ...


def _say(text: str) -> None:
    print(f"swarm-tui: {text}", file=sys.stderr, flush=True)


@asynccontextmanager
async def open_link(
    args: argparse.Namespace, *, write: bool = False, create: bool = False
) -> AsyncIterator[tuple[SwarmLink, str]]:
    """The swarm of ``--config``/``--db``, and where it is (for messages). ``write``: the
    command changes something (else the ledger is opened read-only); ``create``: it may
    make a new ledger (``submit``), others refuse a ledger that is not there. A service that
    goes away while the command talks to it ends the command: one line, exit 1."""
    settings = command_settings(args.config)
    path = db_path(settings, args.db)
    if ServicePaths(path).socket.exists():
        from swarm_tui.cli.service_link import ServiceError, ServiceLink

        try:
            served = await ServiceLink.connect(settings, path)
        except ServiceError as exc:
            _say(f"{exc}; working on the ledger directly")
        else:
            try:
                yield (
                    served,
                    (
                        f"service pid {served.client.hello.get('pid')},"
                        f" ledger {ledger_name(settings, path)}"
                    ),
                )
            except ServiceError as exc:
                _say(f"lost the service of {path}: {exc}")
                raise SystemExit(1) from None
            finally:
                await served.close()
            return
    async with _bare(settings, path, write=write, create=create) as bare:
        yield bare, f"ledger {ledger_name(settings, path)}"


def _must_exist(settings: CommandSettings, path: Path, *, write: bool, create: bool) -> None:
    """A command that changes a ledger without making one refuses a missing SQLite file (on
    PostgreSQL ``--db``'s file is never made: the database is the ledger)."""
    if write and not create and db_url(settings) is None and not path.exists():
        raise LedgerError(f"{path}: {NO_LEDGER}")


@asynccontextmanager
async def _bare(
    settings: CommandSettings, path: Path, *, write: bool, create: bool
) -> AsyncIterator[SwarmLink]:
    from swarm_tui.core.ledger_control import LedgerControl

    _must_exist(settings, path, write=write, create=create)
    ledger = await open_ledger(settings, path, readonly=not write)
    try:
        yield LedgerControl(settings, ledger)
    finally:
        await ledger.close()
