"""The voting pane in the full control room: a consensus task that ties waits in needs_vote,
the pane shows itself with a notification, and the human's pick (a number key) becomes the
task's answer through the orchestrator and the ledger."""

from __future__ import annotations

from swarm_tui.config import ConsensusSettings
from swarm_tui.domain.models import TaskMode, TaskState
from swarm_tui.providers.base import StreamRequest
from swarm_tui.tui.widgets.status_bar import StatusBar
from swarm_tui.tui.widgets.voting_pane import VotingPane
from tests.core.consensus.scripted import letter_of, shown
from tests.fakes import Script
from tests.tui.conftest import RoomFactory, room_settings


def own_answer(colour: str) -> object:
    """Answers ``colour``; on a ballot, votes for its own answer (two voters: a tie)."""

    def script(request: StreamRequest) -> Script:
        ballot = shown(request.messages)
        if ballot:
            return Script(tokens=[f'{{"choice": "{letter_of(ballot, colour)}"}}'])
        return Script(tokens=[colour])

    return script


async def test_a_tied_consensus_is_settled_with_a_key_in_the_voting_pane(
    make_room: RoomFactory,
) -> None:
    settings = room_settings().model_copy(update={"consensus": ConsensusSettings(n=2)})
    async with make_room(settings=settings) as room:
        room.providers["p1"].script = own_answer("Red")  # type: ignore[assignment]
        room.providers["p2"].script = own_answer("Blue")  # type: ignore[assignment]
        pane = room.app.query_one(VotingPane)
        assert not pane.display  # nothing waits: hidden

        task = await room.submit("Which colour?", role="a", mode=TaskMode.CONSENSUS)
        await room.wait_state(task.id, TaskState.NEEDS_VOTE)
        await room.wait_for(lambda: task.id in pane.conflicts, "the conflict in the pane")
        assert pane.display
        assert any("waits for your vote" in n for n in room.notices("warning"))
        bar = room.app.query_one(StatusBar)
        await room.wait_for(lambda: "1 to vote (v)" in bar.text, "the status bar to say so")
        record = pane.conflicts[task.id].record
        blue = next(i for i, g in enumerate(record.groups, 1) if g.text == "Blue")

        await room.press("v")  # focus the pane
        assert pane.has_focus_within
        await room.press(str(blue))
        done = await room.wait_state(task.id, TaskState.SUCCEEDED)
        assert done.result == "Blue"
        await room.wait_for(lambda: "to vote" not in bar.text, "the status bar to clear")
        decided = await room.orch.consensus_record(task.id)
        assert decided is not None and decided.decided_by == "human"
        await room.wait_for(lambda: task.id not in pane.conflicts, "the conflict to leave")
        await room.wait_for(
            lambda: room.table.tasks[task.id].state == TaskState.SUCCEEDED, "the row"
        )

        await room.press("v")  # focused: hides
        assert not pane.display


async def test_the_arbiter_key_without_an_arbiter_says_so(make_room: RoomFactory) -> None:
    settings = room_settings().model_copy(update={"consensus": ConsensusSettings(n=2)})
    async with make_room(settings=settings) as room:
        room.providers["p1"].script = own_answer("Red")  # type: ignore[assignment]
        room.providers["p2"].script = own_answer("Blue")  # type: ignore[assignment]
        task = await room.submit("Which colour?", role="a", mode=TaskMode.CONSENSUS)
        await room.wait_state(task.id, TaskState.NEEDS_VOTE)
        pane = room.app.query_one(VotingPane)
        await room.wait_for(lambda: task.id in pane.conflicts, "the conflict in the pane")
        await room.press("v", "e")
        await room.wait_for(
            lambda: any("no arbiter is configured" in n for n in room.notices("error")),
            "the refusal",
        )
        assert (await room.orch.task(task.id)).state == TaskState.NEEDS_VOTE


async def test_a_waiting_task_cancelled_leaves_the_pane(make_room: RoomFactory) -> None:
    settings = room_settings().model_copy(update={"consensus": ConsensusSettings(n=2)})
    async with make_room(settings=settings) as room:
        room.providers["p1"].script = own_answer("Red")  # type: ignore[assignment]
        room.providers["p2"].script = own_answer("Blue")  # type: ignore[assignment]
        task = await room.submit("Which colour?", role="a", mode=TaskMode.CONSENSUS)
        await room.wait_state(task.id, TaskState.NEEDS_VOTE)
        pane = room.app.query_one(VotingPane)
        await room.wait_for(lambda: task.id in pane.conflicts, "the conflict in the pane")
        await room.orch.cancel(task.id)
        await room.wait_for(lambda: task.id not in pane.conflicts, "the conflict to leave")
        assert (await room.orch.task(task.id)).state == TaskState.CANCELLED
