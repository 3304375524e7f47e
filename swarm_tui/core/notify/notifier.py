"""Push what needs a person to the ``[notify]`` URLs while a run lasts.

One task per run: it reads the swarm's bus through an :class:`AttentionWatch`, folds the
alerts in a :class:`Digest` (one message per window) and sends through apprise in a thread.
Nothing it does can stop the run: a URL that fails, a lookup that fails, even a bug in here,
is logged and the run goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping

from swarm_tui.config import Settings
from swarm_tui.core.notify.digest import Digest
from swarm_tui.core.notify.send import Sender
from swarm_tui.core.notify.watch import AttentionWatch, SwarmView, attention_for

__all__ = ["Notifier"]

log = logging.getLogger("swarm_tui.notify")


class Notifier:
    def __init__(
        self,
        view: SwarmView,
        settings: Settings,
        *,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.view = view
        self.settings = settings
        self.sender = Sender(settings.notify, environ)
        self.digest = Digest(settings.notify.window_seconds)
        self.clock = clock
        self.watch: AttentionWatch | None = None
        self._job: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        """There is somewhere to send to (else the notifier does nothing)."""
        return bool(self.sender)

    def start(self) -> None:
        """Start watching (on the running loop); only problems are logged without a URL."""
        if not self.sender:
            for problem in self.sender.problems:
                log.warning(problem)
            return
        self.watch = AttentionWatch(self.view, attention_for(self.settings))
        self._job = asyncio.create_task(self._guarded(self.watch), name="notifier")

    async def aclose(self) -> None:
        """Handle the events already published, send what waits (the window aside), stop."""
        if self.watch is None or self._job is None:
            return
        self.watch.close()  # the loop drains what is queued, then ends
        with contextlib.suppress(asyncio.CancelledError):
            await self._job
        self.sender.close()

    async def _guarded(self, watch: AttentionWatch) -> None:
        try:
            await self.sender.open()
            await self._run(watch)
        except Exception:
            log.exception("notify: stopped by an error; the run goes on without notifications")
            watch.close()
        try:
            await self._send(force=True)
        except Exception:
            log.exception("notify: the last notification could not be sent")

    async def _run(self, watch: AttentionWatch) -> None:
        self.digest.add(await watch.seed(), self.clock())
        while True:
            await self._send()
            due = self.digest.due()
            wait = None if due is None else max(0.0, due - self.clock())
            try:
                async with asyncio.timeout(wait):
                    batch = await watch.sub.get()
            except TimeoutError:
                continue
            if not batch:  # closed and drained
                return
            self.digest.add(await watch.handle(batch), self.clock())

    async def _send(self, *, force: bool = False) -> None:
        message = self.digest.take(self.clock(), force=force)
        if message is None:
            return
        took = await self.sender.send(message)
        targets = len(self.sender.targets)
        log.info("notify: %r sent to %d of %d URL(s)", message.title, took, targets)
