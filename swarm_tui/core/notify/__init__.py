"""Reaching the person: when the swarm needs a human or goes wrong, say so.

:mod:`.rules` decides what is worth telling (a vote or an approval waits, a budget stop,
an agent with every model behind an open breaker, a task failing again and again, the queue
drained) and names the one command that answers it; :mod:`.watch` runs the rules over a
swarm's bus; :mod:`.digest` folds and rate-limits; :mod:`.send` pushes through apprise;
:class:`Notifier` puts them together for a run. Headless: no Textual here.
"""

from __future__ import annotations

from swarm_tui.core.notify.digest import Digest, Message
from swarm_tui.core.notify.notifier import Notifier
from swarm_tui.core.notify.rules import Alert, Attention, Waiting
from swarm_tui.core.notify.watch import AttentionWatch, SwarmView, attention_for

__all__ = [
    "Alert",
    "Attention",
    "AttentionWatch",
    "Digest",
    "Message",
    "Notifier",
    "SwarmView",
    "Waiting",
    "attention_for",
]
