"""The voting pane: open conflicts, their candidates side by side with the differences marked,
each vote with its rationale, and keys to settle a conflict.

Feed it :class:`Conflict` values (a task id, a title and its :class:`ConsensusRecord`) with
:meth:`VotingPane.set_conflicts`, :meth:`VotingPane.upsert` and :meth:`VotingPane.drop`.
Keys (binding ids in brackets, remappable): ``1``-``9`` pick the candidate with that number
(A is 1) as the winner [``vote_pick_1``...] and post :class:`VotingPane.Pick`; ``e`` sends
the conflict to the arbiter [``vote_arbiter``] and posts :class:`VotingPane.SendToArbiter`.
The pane decides nothing itself: the host applies the pick (``resolve_by_human``) or runs the
arbiter (``ConsensusEngine.arbitrate``) and feeds the new record back. A conflict that starts
waiting for the human raises a notification.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Static

from swarm_tui.core.consensus.record import ConsensusRecord, Group

__all__ = ["PICK_KEYS", "Conflict", "VotingPane", "mark_differences"]

PICK_KEYS = 9
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Conflict:
    task_id: int
    title: str
    record: ConsensusRecord

    @property
    def waiting(self) -> bool:
        return self.record.status == "needs_human"


def mark_differences(text: str, other: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, differs-from-``other``) runs, word by word."""
    mine, theirs = _TOKEN.findall(text), _TOKEN.findall(other)
    matcher = difflib.SequenceMatcher(None, theirs, mine, autojunk=False)
    flags = [False] * len(mine)
    for op, _, _, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            flags[j1:j2] = [True] * (j2 - j1)
    for i, token in enumerate(mine):
        if not token.strip():  # a space is marked only inside a marked stretch
            flags[i] = 0 < i < len(mine) - 1 and flags[i - 1] and flags[i + 1]
    runs: list[tuple[str, bool]] = []
    for token, differs in zip(mine, flags, strict=True):
        if runs and runs[-1][1] == differs:
            runs[-1] = (runs[-1][0] + token, differs)
        else:
            runs.append((token, differs))
    return runs


def _status(conflict: Conflict) -> str:
    record = conflict.record
    if record.status == "needs_human":
        return "waits for you"
    return record.status if record.decided_by is None else f"{record.status} ({record.decided_by})"


class VotingPane(Vertical):
    BINDINGS = [
        *(
            Binding(str(n), f"pick({n})", "Pick winner", id=f"vote_pick_{n}", show=n == 1)
            for n in range(1, PICK_KEYS + 1)
        ),
        Binding("e", "arbiter", "To arbiter", id="vote_arbiter"),
    ]
    COMPONENT_CLASSES = {"voting-pane--diff", "voting-pane--muted", "voting-pane--winner"}
    DEFAULT_CSS = """
    VotingPane { height: 1fr; border: round $border-blurred; padding: 0 1; }
    VotingPane:focus-within { border: round $border; }
    VotingPane > .voting-pane--diff {
        color: $text-warning; background: $warning-muted; text-style: bold;
    }
    VotingPane > .voting-pane--muted { color: $text-muted; }
    VotingPane > .voting-pane--winner { color: $success; text-style: bold; }
    VotingPane #vp-conflicts { height: auto; max-height: 6; }
    VotingPane #vp-summary { color: $text-muted; height: auto; }
    VotingPane #vp-candidates { height: auto; max-height: 20; }
    VotingPane .vp-candidate {
        width: 1fr; height: auto; max-height: 20; border: round $border-blurred; padding: 0 1;
        overflow-y: auto;
    }
    VotingPane .vp-candidate.-contested { border: round $warning; }
    VotingPane .vp-candidate.-winner { border: round $success; }
    VotingPane #vp-votes { height: auto; max-height: 8; }
    """

    @dataclass
    class Pick(Message):
        """The human picked candidate ``label`` as the winner of ``task_id``'s conflict."""

        task_id: int
        label: str

    @dataclass
    class SendToArbiter(Message):
        task_id: int

    def __init__(self, conflicts: Iterable[Conflict] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.conflicts: dict[int, Conflict] = {c.task_id: c for c in conflicts}
        self.border_title = "Conflicts"
        self._ready = False

    def compose(self) -> ComposeResult:
        table: DataTable[str | Text] = DataTable(id="vp-conflicts", cursor_type="row")
        table.add_columns("task", "title", "state", "answers", "margin", "cost")
        yield table
        yield Static("", id="vp-summary")
        yield Horizontal(id="vp-candidates")
        votes: DataTable[str | Text] = DataTable(id="vp-votes", cursor_type="none")
        votes.add_columns("voter", "weight", "order seen", "vote", "rationale")
        yield votes

    def on_mount(self) -> None:
        self._ready = True
        self._refresh_list()

    # ------------------------------------------------------------------ feeding
    def set_conflicts(self, conflicts: Iterable[Conflict]) -> None:
        before = self.conflicts
        self.conflicts = {c.task_id: c for c in conflicts}
        self._announce(c for c in self.conflicts.values() if c.task_id not in before)
        self._refresh_list()

    def upsert(self, conflict: Conflict) -> None:
        was = self.conflicts.get(conflict.task_id)
        self.conflicts[conflict.task_id] = conflict
        if was is None or not was.waiting:
            self._announce([conflict])
        self._refresh_list()

    def drop(self, task_id: int) -> None:
        if self.conflicts.pop(task_id, None) is not None:
            self._refresh_list()

    def _announce(self, conflicts: Iterable[Conflict]) -> None:
        for c in conflicts:
            if c.waiting:
                self.notify(
                    f"Task #{c.task_id} {c.title}: {c.record.reason}",
                    title="A conflict waits for your vote",
                    severity="warning",
                )

    @property
    def selected(self) -> Conflict | None:
        table = self.query_one("#vp-conflicts", DataTable)
        if not self.conflicts or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return self.conflicts.get(int(key)) if key is not None else None

    # ------------------------------------------------------------------ drawing
    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"voting-pane--{name}")

    def _refresh_list(self) -> None:
        if not self._ready:
            return
        table: DataTable[str | Text] = self.query_one("#vp-conflicts", DataTable)
        keep = self.selected.task_id if table.row_count and self.selected else None
        table.clear()
        ordered = sorted(self.conflicts.values(), key=lambda c: (not c.waiting, c.task_id))
        for c in ordered:
            r = c.record
            margin = "-" if r.margin is None else f"{r.margin:.0%}"
            answers = f"{sum(1 for x in r.candidates if x.ok)} in {len(r.groups)}"
            table.add_row(
                f"#{c.task_id}", c.title, _status(c), answers, margin, f"${r.cost:.4f}",
                key=str(c.task_id),
            )  # fmt: skip
        if keep is not None and keep in self.conflicts:
            table.move_cursor(row=table.get_row_index(str(keep)))
        self.border_title = f"Conflicts · {sum(c.waiting for c in self.conflicts.values())} waiting"
        self._show(self.selected)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "vp-conflicts":
            event.stop()
            self._show(self.selected)

    def _show(self, conflict: Conflict | None) -> None:
        summary = self.query_one("#vp-summary", Static)
        box = self.query_one("#vp-candidates", Horizontal)
        votes: DataTable[str | Text] = self.query_one("#vp-votes", DataTable)
        box.remove_children()
        votes.clear()
        if conflict is None:
            summary.update("No open conflicts.")
            return
        r = conflict.record
        line = f"{r.reason or r.status} · method {r.method or '-'} · cost ${r.cost:.4f}"
        if r.skipped_voters:
            line += f" · early stop, {len(r.skipped_voters)} voter(s) not asked"
        summary.update(line)
        box.mount_all(self._column(r, i, g) for i, g in enumerate(r.groups))
        for v in r.votes:
            vote = (
                Text(v.error or "", style=self._style("muted"))
                if v.choice is None
                else Text(" > ".join(v.ranking) or v.choice)
            )
            votes.add_row(
                v.voter, f"{v.weight:g}", " ".join(v.order), vote, v.rationale, key=v.voter
            )

    def _column(self, r: ConsensusRecord, index: int, group: Group) -> Static:
        others = [g for g in r.groups if g.label != group.label]
        text = Text()
        if others:
            for piece, differs in mark_differences(group.text, others[0].text):
                text.append(piece, self._style("diff") if differs else "")
        else:
            text.append(group.text)
        column = Static(text, classes="vp-candidate")
        models = ", ".join(r.candidate(m).model for m in group.members)
        score = r.scores.get(group.label)
        shown = "" if score is None else f" · {score:g} pts"
        column.border_title = f"{index + 1}: {group.label}{shown}"
        column.border_subtitle = models
        contested = r.needs_human.contested if r.needs_human else ()
        column.set_class(group.label in contested, "-contested")
        column.set_class(group.label == r.winner and r.status == "decided", "-winner")
        return column

    # ------------------------------------------------------------------ keys
    def action_pick(self, number: int) -> None:
        conflict = self.selected
        if conflict is None:
            self.notify("No conflict selected", severity="warning")
            return
        groups: Sequence[Group] = conflict.record.groups
        if not 1 <= number <= len(groups):
            self.notify(f"No candidate {number} (there are {len(groups)})", severity="warning")
            return
        self.post_message(self.Pick(conflict.task_id, groups[number - 1].label))

    def action_arbiter(self) -> None:
        conflict = self.selected
        if conflict is None:
            self.notify("No conflict selected", severity="warning")
            return
        self.post_message(self.SendToArbiter(conflict.task_id))
