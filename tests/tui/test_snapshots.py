"""Snapshots of the control room (pytest-textual-snapshot; update with ``--snapshot-update``).

Deterministic by construction: the clock is fixed (tests/conftest.py), each test has a fresh
ledger (ids from 1), the scripted providers stop mid-stream (``hold_after``) so the text on
screen does not move, there is no animation and no cursor blink, and the bridge is flushed
before the shot. The work is done before the app starts (see tests/tui/room.py), so the first
frame already holds it all; the shots then only differ by what a key press shows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec
from swarm_tui.tui.widgets.hardware_meter import Meter
from swarm_tui.tui.widgets.hardware_pane import HardwarePane
from swarm_tui.tui.widgets.task_table import TaskTable
from tests.fakes import Script
from tests.tui.room import FAIL, Room, frozen, scripted, settle, steady, until, words

WIDE = (120, 36)

SnapCompare = Callable[..., bool]

BUSY_PLANS = {
    "design notes": Script(
        tokens=words(
            "The design splits the swarm into a core that schedules, a ledger that remembers"
            " and a control room that shows. Nothing in the core imports Textual."
        )
    ),
    "German": Script(tokens=["Die", " Datei"], error=FAIL),
    "router tests": frozen(
        "def test_mix_follows_weights():\n    router = Router({'a': {'p1/m1': 3, 'p2/m1': 1}})"
        "\n    picks = [router.choose('a', blocked=free) for _ in range(8)]\n    assert"
        " [p.provider for p in picks].count('p1') == 6\n\ndef test_blocked_provider_is_skipped"
        "():\n    router ="
    ),
    "ledger schema": frozen(
        "Review of the ledger schema:\n1. tasks.state has a CHECK constraint, good.\n2."
        " attempts.output grows by appends; fine with the group commit.\n3. Missing an index"
        " on events(task_id) for the"
    ),
    "release notes": frozen(
        "## swarm-tui 0.1.0\n\n- The control room: task queue, live agent streams, status"
        " bar and one-key commands.\n- Three themes"
    ),
}


async def busy_swarm(room: Room, orch: Orchestrator) -> None:
    """Eight tasks: succeeded, failed, three streaming (frozen), queued behind a running one,
    paused and cancelled."""
    await room.submit(
        TaskSpec("Summarise the design notes in five lines", title="design summary", role="a"),
        TaskSpec("Translate the README to German", title="translate README", role="b"),
    )
    await orch.pause(2)  # one pass each: which of the two ends first is then fixed
    await room.dispatch()
    await orch.resume(2)
    await room.dispatch()
    room.clock.now += 95
    await room.submit(
        TaskSpec(
            "Write the router tests", title="router tests", role="a", priority=2, key="router"
        ),
        TaskSpec("Review the ledger schema", title="review schema", role="c"),
        TaskSpec("Draft release notes", title="release notes", role="a", priority=1),
        TaskSpec("Benchmark the bridge", title="bridge bench", role="c", after=("router",)),
        TaskSpec("Refactor the theming module", title="refactor theming", role="b"),
        TaskSpec("Delete the old progress module", title="delete progress", role="a"),
    )
    await orch.pause(7)
    await orch.cancel(8)
    await room.dispatch()
    room.clock.now += 83
    await settle(room)


def busy_room(tmp_path: Path, **kwargs: Any) -> Room:
    room = Room(tmp_path, scripted(BUSY_PLANS), **kwargs)
    room.setup = lambda orch: busy_swarm(room, orch)
    return room


async def select_task(pilot: Pilot[Any], task_id: int) -> None:
    table = pilot.app.query_one(TaskTable)
    table.move_cursor(row=table.get_row_index(str(task_id)))
    await pilot.pause()


# ---------------------------------------------------------------------- shots
def test_empty_room(tmp_path: Path, snap_compare: SnapCompare) -> None:
    room = Room(tmp_path)
    assert snap_compare(room.app, terminal_size=WIDE, run_before=steady)


def test_busy_swarm(tmp_path: Path, snap_compare: SnapCompare) -> None:
    room = busy_room(tmp_path)
    assert snap_compare(room.app, terminal_size=WIDE, run_before=steady)


def test_focused_stream(tmp_path: Path, snap_compare: SnapCompare) -> None:
    room = busy_room(tmp_path)

    async def focus(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        await select_task(pilot, 3)
        await pilot.press("f")
        await steady(pilot)

    assert snap_compare(room.app, terminal_size=WIDE, run_before=focus)


def test_new_task_form(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """The project select starts on the default role's project (agent a's "api")."""
    room = Room(tmp_path, projects={"api": "a", "docs": None})

    async def form(pilot: Pilot[Any]) -> None:
        await pilot.press("n")
        await steady(pilot)
        await pilot.press(*"Explain the retry back-off")
        await pilot.press("tab", *"back-off explainer")
        await steady(pilot)

    assert snap_compare(room.app, terminal_size=WIDE, run_before=form)


def test_help_screen(tmp_path: Path, snap_compare: SnapCompare) -> None:
    room = Room(tmp_path)

    async def helped(pilot: Pilot[Any]) -> None:
        await pilot.press("question_mark")
        await steady(pilot)

    assert snap_compare(room.app, terminal_size=WIDE, run_before=helped)


def test_light_theme(tmp_path: Path, snap_compare: SnapCompare) -> None:
    room = busy_room(tmp_path, theme="swarm-light")
    assert snap_compare(room.app, terminal_size=WIDE, run_before=steady)


def test_compact_80x24(tmp_path: Path, snap_compare: SnapCompare) -> None:
    room = busy_room(tmp_path)
    assert snap_compare(room.app, terminal_size=(80, 24), run_before=steady)


def test_wide_room_with_the_hardware_pane(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """At 160 columns the hardware pane sits beside the queue: a spilled model, a hot GPU."""
    from swarm_tui.hw.sampler import Sampler
    from tests.hw.samples import ScriptedSource
    from tests.tui.test_hardware_pane import WARMING, Ticks

    room = busy_room(tmp_path)

    async def sampled(pilot: Pilot[Any]) -> None:
        sampler = Sampler([ScriptedSource(WARMING)], history=60, clock=Ticks())
        samples = [await sampler.sample_once() for _ in WARMING]
        for sample in samples:  # at once: the bridge's own timer may flush between awaits
            room.app.bridge._take(sample)
        last = samples[-1]
        pane = room.app.query_one(HardwarePane)
        meters = list(pane.query(Meter))

        def fed() -> bool:  # every sample reached the pane and every meter has drawn them
            return (
                bool(pane.samples)
                and pane.samples[-1] is last.sample
                and all(len(m.values) == len(samples) for m in meters)
            )

        await until(pilot, fed, "the hardware pane to show the samples fed")
        await steady(pilot)

    assert snap_compare(room.app, terminal_size=(160, 40), run_before=sampled)


def test_empty_room_80x24(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """An empty ledger at 80x24: the queue says how to add a task, the streams what shows
    there, the footer keeps ? and q."""
    room = Room(tmp_path)
    assert snap_compare(room.app, terminal_size=(80, 24), run_before=steady)


def test_new_task_form_80x24(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """Every field labelled, one-line selects, the buttons on screen."""
    room = Room(tmp_path, projects={"api": "a", "docs": None})

    async def form(pilot: Pilot[Any]) -> None:
        await pilot.press("n")
        await steady(pilot)
        await pilot.press(*"Explain the retry back-off")
        await steady(pilot)

    assert snap_compare(room.app, terminal_size=(80, 24), run_before=form)
