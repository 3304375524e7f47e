"""Every control-room key: a binding with an id and a description, remappable through
``[ui.keymap]`` in config (``new_task = "ctrl+n"``)."""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding

__all__ = ["APP_BINDINGS", "VOTE_BINDINGS", "check_keymap"]

APP_BINDINGS: list[Binding] = [
    Binding("n", "new_task", "New task", id="new_task"),
    Binding("i", "detail", "Detail", id="detail"),
    Binding("f", "focus_stream", "Focus stream", id="focus"),
    Binding("l", "stream_list", "Stream list", id="streams"),
    Binding("v", "toggle_voting", "Conflicts", id="voting"),
    Binding("p", "pause_task", "Pause/resume task", id="pause"),
    Binding("x", "cancel_task", "Cancel", id="cancel"),
    Binding("r", "reassign", "Reassign", id="reassign"),
    Binding("R", "retry", "Retry", id="retry"),
    Binding("d", "dispatch", "Dispatch now", id="dispatch"),
    Binding("D", "review", "Review diff", id="review"),
    Binding("plus,equals_sign", "priority(1)", "Priority +", id="priority_up"),
    Binding("minus", "priority(-1)", "Priority -", id="priority_down"),
    Binding("slash", "filter", "Filter", id="filter"),
    Binding("a", "pause_agent", "Pause/resume agent", id="pause_agent"),
    Binding("A", "pause_all", "Pause/resume all", id="pause_all"),
    Binding("t", "approvals", "Tool approvals", id="approvals"),
    Binding("M", "memory", "Shared memory", id="memory"),
    Binding("g", "goals", "Goals", id="goals"),
    Binding("c", "toggle_cost", "Cost", id="cost"),
    Binding("e", "evals", "Evals", id="evals"),
    Binding("h", "toggle_hardware", "Hardware", id="hardware"),
    Binding("question_mark", "help", "Help", id="help"),
    Binding("q", "quit_room", "Quit", id="quit"),
]
"""In order of use: the help screen, the palette and the footer list them so."""

VOTE_BINDINGS: list[Binding] = [
    Binding(str(n), f"vote_pick({n})", f"Vote: candidate {n} wins", id=f"vote_pick_{n}", show=False)
    for n in range(1, 10)
]
"""The voting pane's digits, room-wide while a shown conflict waits for your vote (the pane
may have opened by itself while the queue had the focus). Same ids as the pane's keys, so one
``[ui.keymap]`` entry remaps both."""

PANE_BINDING_IDS = {"hw_unload", "hw_preload", "sort", "stream_open", "vote_arbiter"} | {
    f"vote_pick_{n}" for n in range(1, 10)
}
"""Bindings that live on a pane (remappable too)."""

BINDING_IDS = {b.id for b in APP_BINDINGS if b.id} | PANE_BINDING_IDS


def check_keymap(keymap: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The usable part of a ``[ui.keymap]`` table, and a notice per entry that is not."""
    good: dict[str, str] = {}
    notices: list[str] = []
    for binding_id, keys in keymap.items():
        if binding_id not in BINDING_IDS:
            known = ", ".join(sorted(BINDING_IDS))
            notices.append(f"[ui.keymap] {binding_id}: no such command (known: {known})")
        elif not keys.strip():
            notices.append(f"[ui.keymap] {binding_id}: empty key")
        else:
            good[binding_id] = keys
    return good, notices
