"""The room calls you: a vote that waits rings the terminal bell and puts "1 vote waits" in
the terminal title; deciding it (the last task) leaves "queue drained" there, with a ring.
What reaches the terminal is read from the driver's writes (the headless driver drops them;
the test records them on the way)."""

from __future__ import annotations

from swarm_tui.config import ConsensusSettings, NotifyConfig, Settings, UIConfig
from swarm_tui.domain.models import TaskMode, TaskState
from swarm_tui.tui.attention import BELL, POP_TITLE, PUSH_TITLE, title_sequence
from tests.tui.conftest import Room, RoomFactory, room_settings
from tests.tui.test_pilot_voting import own_answer


def recorded(room: Room) -> list[str]:
    """Every string the app writes to its terminal from now on."""
    writes: list[str] = []
    driver = room.app._driver
    assert driver is not None
    write = driver.write

    def record(data: str) -> None:
        writes.append(data)
        write(data)

    driver.write = record  # type: ignore[method-assign]
    return writes


def voting_settings(**ui: object) -> Settings:
    base = room_settings()
    return base.model_copy(
        update={
            "consensus": ConsensusSettings(n=2),
            "ui": UIConfig(**{"stream_flush_ms": 1000, **ui}),  # type: ignore[arg-type]
        }
    )


async def test_a_waiting_vote_rings_and_titles_the_terminal(make_room: RoomFactory) -> None:
    async with make_room(settings=voting_settings()) as room:
        writes = recorded(room)
        room.providers["p1"].script = own_answer("Red")  # type: ignore[assignment]
        room.providers["p2"].script = own_answer("Blue")  # type: ignore[assignment]
        task = await room.submit("Which colour?", role="a", mode=TaskMode.CONSENSUS)
        await room.wait_state(task.id, TaskState.NEEDS_VOTE)
        waits = title_sequence("swarm-tui: 1 vote waits")
        await room.wait_for(lambda: waits in writes, "the title to say a vote waits")
        assert writes.count(BELL) == 1
        assert writes.index(PUSH_TITLE) < writes.index(waits)  # the old title kept first

        record = await room.orch.consensus_record(task.id)
        assert record is not None and record.needs_human is not None
        await room.orch.decide(task.id, record.needs_human.contested[0])
        # Settled, and with it the last task: nothing waits, nothing is left to run.
        drained = title_sequence("swarm-tui: queue drained")
        await room.wait_for(lambda: drained in writes, "the title to say the queue drained")
        assert writes.count(BELL) == 2
    assert writes[-1] == POP_TITLE  # leaving gives the terminal its own title back


async def test_bell_and_title_follow_their_switches(make_room: RoomFactory) -> None:
    settings = voting_settings(bell=False).model_copy(update={"notify": NotifyConfig(title=False)})
    async with make_room(settings=settings) as room:
        writes = recorded(room)
        room.providers["p1"].script = own_answer("Red")  # type: ignore[assignment]
        room.providers["p2"].script = own_answer("Blue")  # type: ignore[assignment]
        task = await room.submit("Which colour?", role="a", mode=TaskMode.CONSENSUS)
        await room.wait_state(task.id, TaskState.NEEDS_VOTE)
        watch = room.app.calls.watch
        assert watch is not None
        await room.wait_for(lambda: watch.rules.votes == {task.id}, "the watch to see the vote")
    assert BELL not in writes
    assert not any(w.startswith("\x1b]2;") for w in writes)


def test_a_title_cannot_carry_control_characters() -> None:
    assert title_sequence("swarm-tui: \x1b]0;evil\a1 vote") == "\x1b]2;swarm-tui: ]0;evil1 vote\a"
