"""The footer: the keys that matter in order of use, as many as fit the width, with short
names; ``?`` help, ``q`` quit and ``^p`` palette always, pinned to the right edge."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, KeyGroup

__all__ = ["ORDER", "KeyFooter", "footer_keys"]

ORDER = [
    "vote", "vote_arbiter", "stream_open", "new_task", "detail", "focus", "streams", "voting",
    "pause", "cancel", "reassign", "filter", "sort", "retry", "dispatch", "priority_up",
    "priority_down", "pause_agent", "pause_all", "approvals", "memory", "cost", "hardware",
]  # fmt: skip
"""Binding ids in the order they are shown (a pane's own keys lead while it has the focus).
Other keys of a pane or a screen come first, other keys of the room last."""

PINNED = ["help", "quit"]

LABELS = {
    "vote": "vote", "vote_arbiter": "arbiter", "stream_open": "full screen", "new_task": "new",
    "detail": "detail", "focus": "stream", "streams": "streams", "voting": "conflicts",
    "pause": "pause", "cancel": "cancel", "reassign": "reassign", "filter": "filter",
    "sort": "sort", "retry": "retry", "dispatch": "dispatch", "priority_up": "prio+",
    "priority_down": "prio-", "pause_agent": "agent", "pause_all": "all", "approvals": "tools",
    "memory": "memory", "cost": "cost", "hardware": "hw", "help": "help", "quit": "quit",
}  # fmt: skip

Key = tuple[str, str, str, str, bool]
"""(key, key as shown, label, action, enabled)."""


def footer_keys(
    active: dict[str, ActiveBinding], display: dict[str, str]
) -> tuple[list[Key], list[Key]]:
    """The shown bindings with an id, one per id, in :data:`ORDER`, the vote digits as one
    ``1-9`` entry; and apart, the pinned ones (help, quit). ``display`` maps a key to how it
    is shown."""
    seen: dict[str, Key] = {}
    local: set[str] = set()
    for key, (node, binding, enabled, _tip) in active.items():
        name = binding.id or ""
        if name.startswith("vote_pick_"):
            if enabled and "vote" not in seen:
                seen["vote"] = (key, "1-9", LABELS["vote"], binding.action, True)
            continue
        if not name or not binding.show or name in seen:
            continue
        label = LABELS.get(name, binding.description.lower())
        seen[name] = (key, display[key], label, binding.action, enabled)
        if node is not node.app:
            local.add(name)
    if "vote" not in seen:  # v shows the conflicts: worth a place while one waits
        seen.pop("voting", None)
    rank = {name: i + 1 for i, name in enumerate(ORDER)}
    names = sorted(seen, key=lambda n: rank.get(n, 0 if n in local else len(ORDER) + 1))
    return [seen[n] for n in names if n not in PINNED], [seen[n] for n in PINNED if n in seen]


def _width(key: Key) -> int:
    return cell_len(key[1]) + 1 + cell_len(key[2]) + 1


class KeyFooter(Footer):
    DEFAULT_CSS = """
    KeyFooter #footer-pinned {
        dock: right; width: auto; height: 1; padding-left: 1;
        background: $footer-background;
    }
    KeyFooter #footer-pinned FooterKey { margin-right: 1; }
    """

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        display = {key: self.app.get_key_display(a.binding) for key, a in active.items()}
        keys, pinned = footer_keys(active, display)
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        extra = [palette] if palette is not None and self.app.ENABLE_COMMAND_PALETTE else []
        self.composed_width = self.size.width or self.app.size.width
        room = self.composed_width - 1
        room -= sum(_width(k) for k in pinned) + sum(
            cell_len(display.get(a.binding.key, "")) + cell_len(a.binding.description) + 2
            for a in extra
        )
        for key in keys:
            room -= _width(key)
            if room < 0:
                break  # whole keys only: the rest are in ? and the palette
            yield self._key(key)
        with KeyGroup(id="footer-pinned"):
            for key in pinned:
                yield self._key(key)
            for entry in extra:
                binding = entry.binding
                shown = (
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    entry.enabled,
                )
                yield self._key(shown)

    def _key(self, key: Key) -> FooterKey:
        name, shown, label, action, enabled = key
        return FooterKey(name, shown, label, action, disabled=not enabled).data_bind(
            compact=Footer.compact
        )

    composed_width = 0
    """The width the keys were chosen for (a resize chooses again)."""

    def on_resize(self, event: Resize) -> None:
        if self._bindings_ready and event.size.width != self.composed_width:
            self.call_after_refresh(self.recompose)
