"""A room attached to a service: it says when the service goes, attaches again when one
answers (a new ``swarm-tui up``), and brings its views back to the truth.

While the service is away the streams it was showing end as ``service lost`` (the client
says so on its bus), commands are refused with one notification, and every
``RETRY_SECONDS`` the room tries the socket again. Once attached: the stream panels are
dropped and rebuilt from the service's live streams (each with its text so far), the queue
and the totals are read again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Protocol

from swarm_tui.domain.events import FeedLost
from swarm_tui.service.client import ServiceClient, ServiceError

__all__ = ["LOST_TEXT", "RETRY_SECONDS", "Attachment"]

RETRY_SECONDS = 1.0
LOST_TEXT = "service lost — re-attaching"


class AttachedRoom(Protocol):
    """What the attachment tells the room (the app): the service went, came back."""

    def run_worker(self, work: Coroutine[Any, Any, None], *, name: str, group: str) -> object: ...
    def lost_service(self, reason: str) -> None: ...
    def reset_streams(self) -> None: ...
    def found_service(self) -> None: ...


class Attachment:
    def __init__(self, app: AttachedRoom, client: ServiceClient) -> None:
        self.app = app
        self.client = client
        self.attached = True
        self.reattached = 0
        """How many times the room attached again after losing its service."""

    def start(self) -> None:
        self.app.run_worker(self._watch(), name="attachment", group="attachment")

    def describe(self) -> str:
        """The status bar's word on where the swarm runs."""
        if not self.attached:
            return f"⚠ {LOST_TEXT}"
        return f"⇄ service pid {self.client.hello.get('pid', '?')}"

    async def _watch(self) -> None:
        while True:
            await self.client.lost.wait()
            self.attached = False
            self.app.lost_service(self.client.lost_reason)
            while True:
                await asyncio.sleep(RETRY_SECONDS)
                try:
                    await self.client.reconnect(wait=5.0)
                except ServiceError:
                    continue
                self.app.reset_streams()  # the service's snapshot draws them again
                try:
                    await self.client.subscribe(interactive=True)
                except (ServiceError, ConnectionError):
                    continue  # gone again at once: wait for the next one
                break
            self.attached = True
            self.reattached += 1
            self.client.bus.publish(FeedLost())  # the queue and the totals are read again
            self.app.found_service()
