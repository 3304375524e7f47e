"""The refusal of a command of the public API (:class:`~swarm_tui.core.control.Control`)."""

from __future__ import annotations

__all__ = ["ControlError"]


class ControlError(ValueError):
    """A command that cannot be carried out; nothing was changed."""
