"""The voting pane in a tiny host app, over records made by the real consensus engine with
scripted models: conflicts listed (waiting ones first), candidates side by side with their
differences marked, votes and rationales, the pick and arbiter keys, the human's decision
applied through the pane, the notification, and one deterministic snapshot."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from rich.text import Text
from textual.app import App, ComposeResult
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import DataTable, Static

from swarm_tui.core.consensus import ConsensusEngine, ConsensusRecord, resolve_by_human
from swarm_tui.tui.widgets.voting_pane import Conflict, VotingPane, mark_differences
from tests.core.consensus.scripted import Models, config_of, vote_for

SnapCompare = Callable[..., bool]


async def _records() -> tuple[ConsensusRecord, ConsensusRecord]:
    tie = Models(
        answers={
            "openai/gpt-4o": "Use a lock around the counter, then release it in finally.",
            "ollama/qwen3:8b": "Use an atomic counter, then no lock is needed at all.",
        },
        votes={
            "openai/gpt-4o": vote_for("around", rationale="a lock is the simplest fix"),
            "ollama/qwen3:8b": vote_for("atomic", rationale="atomics avoid contention"),
        },
    )
    cfg = config_of(models=tuple(tie.answers), human=True)
    waiting = await ConsensusEngine(cfg, tie.answer, tie.vote, rng=random.Random(1)).run("Fix it")
    three = Models(
        answers={"p/a": "Paris", "p/b": "Lyon", "p/c": "Paris, France"},
        votes={m: vote_for("Paris, France", rationale="most precise") for m in ("p/a", "p/b")}
        | {"p/c": vote_for("Lyon", rationale="I like Lyon")},
    )
    cfg = config_of(models=tuple(three.answers))
    decided = await ConsensusEngine(cfg, three.answer, three.vote, rng=random.Random(2)).run("?")
    return waiting, decided


WAITING, DECIDED = asyncio.run(_records())


class Host(App[None]):
    CSS = "Screen { align: left top; }"

    def __init__(self, conflicts: list[Conflict]) -> None:
        super().__init__()
        self.pane = VotingPane(conflicts)
        self.sent: list[int] = []

    def compose(self) -> ComposeResult:
        yield self.pane

    def on_mount(self) -> None:
        self.animation_level = "none"
        self.pane.query_one("#vp-conflicts", DataTable).focus()

    def on_voting_pane_pick(self, message: VotingPane.Pick) -> None:
        conflict = self.pane.conflicts[message.task_id]
        decided = resolve_by_human(conflict.record, message.label)
        self.pane.upsert(Conflict(conflict.task_id, conflict.title, decided))

    def on_voting_pane_send_to_arbiter(self, message: VotingPane.SendToArbiter) -> None:
        self.sent.append(message.task_id)


def conflicts() -> list[Conflict]:
    return [Conflict(5, "capital city", DECIDED), Conflict(3, "race in counter", WAITING)]


def cell_texts(pane: VotingPane, table_id: str) -> list[list[str]]:
    table = pane.query_one(table_id, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def column_titles(pane: VotingPane) -> list[str]:
    return [str(s.border_title) for s in pane.query(".vp-candidate").results(Static)]


def test_records_are_what_the_pane_expects() -> None:
    assert WAITING.status == "needs_human" and len(WAITING.groups) == 2
    assert DECIDED.decided_by == "vote" and DECIDED.decision == "Paris, France"


def test_differences_are_marked_word_by_word() -> None:
    runs = mark_differences("Use an atomic counter", "Use a lock around the counter")
    assert runs == [("Use ", False), ("an atomic", True), (" counter", False)]
    assert mark_differences("same", "same") == [("same", False)]


async def test_conflicts_candidates_and_votes_are_shown() -> None:
    app = Host(conflicts())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        pane = app.pane
        rows = cell_texts(pane, "#vp-conflicts")
        assert [r[0] for r in rows] == ["#3", "#5"]  # the waiting one first
        assert rows[0][2] == "waits for you" and rows[1][2] == "decided (vote)"
        assert str(pane.border_title) == "Conflicts · 1 waiting"
        assert column_titles(pane) == ["1: A · 1 pts", "2: B · 1 pts"]
        columns = list(pane.query(".vp-candidate").results(Static))
        assert all(c.has_class("-contested") for c in columns)
        assert str(columns[0].border_subtitle) == "openai/gpt-4o"
        shown = columns[1].content
        assert isinstance(shown, Text)
        marked = [(shown.plain[x.start : x.end], x.style) for x in shown.spans]
        assert [m for m, _ in marked] == ["an atomic", "no lock is needed at all"]
        diff_style = pane.get_component_rich_style("voting-pane--diff")
        assert all(
            style == diff_style and diff_style.color != diff_style.bgcolor for _, style in marked
        )
        votes = cell_texts(pane, "#vp-votes")
        assert [v[0] for v in votes] == ["openai/gpt-4o", "ollama/qwen3:8b"]
        assert [v[4] for v in votes] == ["a lock is the simplest fix", "atomics avoid contention"]
        await pilot.press("down")
        assert pane.selected is not None and pane.selected.task_id == 5
        assert column_titles(pane) == ["1: A · 0 pts", "2: B · 0 pts", "3: C · 2 pts"]
        assert pane.selected.record.skipped_voters == ("p/c",)
        winner = [c for c in pane.query(".vp-candidate").results(Static) if c.has_class("-winner")]
        assert [str(c.border_title) for c in winner] == ["3: C · 2 pts"]


async def test_keys_pick_a_winner_and_send_to_the_arbiter() -> None:
    app = Host(conflicts())
    seen: list[Message] = []
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
        await pilot.pause()
        await pilot.press("e")
        assert app.sent == [3]
        await pilot.press("7")
        await pilot.pause()
        assert not [m for m in seen if isinstance(m, VotingPane.Pick)]
        await pilot.press("2")
        await pilot.pause()
        # A message is seen at every node it bubbles through: count each one once.
        posted = {id(m): m for m in seen if isinstance(m, VotingPane.Pick)}.values()
        picks = [(m.task_id, m.label) for m in posted]
        assert picks == [(3, "B")]
        decided = app.pane.conflicts[3].record
        assert decided.status == "decided" and decided.decided_by == "human"
        assert decided.decision == WAITING.group("B").text
        rows = cell_texts(app.pane, "#vp-conflicts")
        assert [r[2] for r in rows] == ["decided (human)", "decided (vote)"]
        notes = [m.notification.message for m in seen if isinstance(m, Notify)]
        assert any("No candidate 7" in n for n in notes)


async def test_a_new_waiting_conflict_notifies_and_removal_empties_the_pane() -> None:
    app = Host([Conflict(5, "capital city", DECIDED)])
    seen: list[Message] = []
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
        await pilot.pause()
        app.pane.upsert(Conflict(8, "race in counter", WAITING))
        await pilot.pause()
        titles = [m.notification.title for m in seen if isinstance(m, Notify)]
        assert titles == ["A conflict waits for your vote"]
        app.pane.drop(8)
        app.pane.drop(5)
        await pilot.pause()
        assert app.pane.selected is None
        assert str(app.pane.query_one("#vp-summary", Static).render()) == "No open conflicts."
        await pilot.press("1")
        notes = [m.notification.message for m in seen if isinstance(m, Notify)]
        assert notes[-1] == "No conflict selected"


def test_snapshot_voting_pane(snap_compare: SnapCompare) -> None:
    assert snap_compare(Host(conflicts()), terminal_size=(120, 36))
