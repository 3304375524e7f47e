"""What the room shows for work in progress: the queue's tokens column counts what a running
attempt streamed (as its panel does), a paused task's elapsed time stops and its kept partial
output still counts, and a consensus task's panel counts its calls' tokens and says when it
waits for a vote."""

from __future__ import annotations

from swarm_tui.config import ConsensusSettings
from swarm_tui.domain.models import TaskMode, TaskState
from swarm_tui.providers.base import StreamRequest
from swarm_tui.tui.widgets.agent_streams import AgentStreams
from swarm_tui.tui.widgets.stream_panel import StreamPanel
from tests.core.consensus.scripted import letter_of, shown
from tests.fakes import Script
from tests.tui.conftest import Room, RoomFactory, room_settings


def cell(room: Room, task_id: int, column: str) -> str:
    return str(room.table.get_cell(str(task_id), column))


def panel_for(room: Room, task_id: int) -> StreamPanel | None:
    return room.app.query_one(AgentStreams).for_task(task_id)


async def test_the_tokens_column_counts_a_running_attempts_stream(room: Room) -> None:
    task = await room.submit("[hold] counting")
    await room.wait_held(task.id)
    await room.wait_for(lambda: panel_for(room, task.id) is not None, "the panel")
    panel = panel_for(room, task.id)
    assert panel is not None
    await room.wait_for(lambda: panel.info.tokens == 2, "the panel to count part+ial")
    # the row follows on the room's once-a-second refresh
    await room.wait_for(lambda: cell(room, task.id, "tokens") == "0/2", "the row to count them")
    room.release()
    await room.wait_state(task.id, TaskState.SUCCEEDED)
    done = await room.orch.task(task.id)
    await room.wait_for(
        lambda: cell(room, task.id, "tokens") == f"{done.tokens_in}/{done.tokens_out}",
        "the reported usage, counted once",
    )
    assert done.tokens_out == 4


async def test_a_paused_tasks_elapsed_stops_and_its_partial_output_counts(room: Room) -> None:
    task = await room.submit("[hold] paused halfway")
    await room.wait_held(task.id)
    await room.select(task.id)
    room.clock.now += 75
    await room.press("p")
    await room.wait_state(task.id, TaskState.PAUSED)
    await room.wait_for(lambda: room.table.tasks[task.id].state == TaskState.PAUSED, "the row")
    assert cell(room, task.id, "elapsed") == "1:15"

    room.clock.now += 600  # ten minutes later, still paused
    room.table.tick()
    await room.settle()
    assert cell(room, task.id, "elapsed") == "1:15"
    room.table.upsert([await room.orch.task(task.id)])  # a fresh read from the ledger
    assert cell(room, task.id, "elapsed") == "1:15"
    # The stopped attempt's partial output counts: its two streamed tokens, and the prompt
    # it was billed for (estimated by the ledger, as no usage was reported before the stop).
    row = room.table.tasks[task.id]
    assert row.tokens_out == 2 and row.tokens_in > 0
    await room.wait_for(
        lambda: cell(room, task.id, "tokens") == f"{row.tokens_in}/2", "the kept tokens"
    )


def answers(colour: str, *, hold: bool = False) -> object:
    """Answers ``colour`` (holding after its first token when ``hold``); on a ballot, votes
    for its own answer (two voters: a tie, so the task waits for the human)."""

    def script(request: StreamRequest) -> Script:
        ballot = shown(request.messages)
        if ballot:
            return Script(tokens=[f'{{"choice": "{letter_of(ballot, colour)}"}}'])
        if hold:
            return Script(tokens=[colour[:2], colour[2:]], hold_after=1)
        return Script(tokens=[colour])

    return script


async def test_a_consensus_panel_counts_tokens_and_says_it_waits_for_a_vote(
    make_room: RoomFactory,
) -> None:
    settings = room_settings().model_copy(update={"consensus": ConsensusSettings(n=2)})
    async with make_room(settings=settings) as room:
        room.providers["p1"].script = answers("Red", hold=True)  # type: ignore[assignment]
        room.providers["p2"].script = answers("Blue")  # type: ignore[assignment]
        task = await room.submit("Which colour?", role="a", mode=TaskMode.CONSENSUS)
        await room.wait_for(lambda: panel_for(room, task.id) is not None, "the panel")
        panel = panel_for(room, task.id)
        assert panel is not None
        # "Re" from one model (held there), "Blue" from the other: two tokens so far
        await room.wait_for(lambda: panel.info.tokens == 2, "the running count")
        assert str(panel.border_subtitle).startswith("running · 2 tok")

        room.release()
        await room.wait_state(task.id, TaskState.NEEDS_VOTE)
        [attempt] = await room.orch.attempts(task.id)
        assert attempt.tokens_out
        await room.wait_for(
            lambda: str(panel.border_subtitle).startswith("waits for your vote"), "the footer"
        )
        assert "succeeded" not in str(panel.border_subtitle)
        assert f"· {attempt.tokens_out} tok" in str(panel.border_subtitle)
        assert cell(room, task.id, "tokens") == f"{attempt.tokens_in}/{attempt.tokens_out}"
