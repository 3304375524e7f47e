"""The event bus: coalesced chunks, bounded queues that drop stream text first, many readers."""

from __future__ import annotations

import asyncio

from swarm_tui.core.bus import Event, EventBus
from swarm_tui.domain.events import Notice, StreamChunk, TaskChanged
from swarm_tui.domain.models import TaskState


def chunk(attempt: int, text: str, *, reasoning: bool = False, tokens: int = 1) -> StreamChunk:
    return StreamChunk(
        task_id=attempt * 10, attempt_id=attempt, text=text, reasoning=reasoning, tokens=tokens
    )


def changed(task: int, state: TaskState = TaskState.RUNNING) -> TaskChanged:
    return TaskChanged(task, state)


def test_consecutive_chunks_of_one_attempt_coalesce() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    for piece in ["hel", "lo", " wor", "ld"]:
        bus.publish(chunk(1, piece))
    bus.publish(chunk(1, "!", tokens=3))
    assert sub.get_nowait() == [chunk(1, "hello world!", tokens=7)]
    assert sub.dropped == 0 and bus.published == 5


def test_chunks_of_different_attempts_stay_apart_and_in_order() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    bus.publish(chunk(1, "a"))
    bus.publish(chunk(1, "b"))
    bus.publish(chunk(2, "x"))
    bus.publish(chunk(2, "y"))
    bus.publish(chunk(1, "c"))
    assert sub.get_nowait() == [
        chunk(1, "ab", tokens=2),
        chunk(2, "xy", tokens=2),
        chunk(1, "c"),
    ]


def test_reasoning_and_answer_text_do_not_merge() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    bus.publish(chunk(1, "think", reasoning=True))
    bus.publish(chunk(1, "ing", reasoning=True))
    bus.publish(chunk(1, "answer"))
    assert sub.get_nowait() == [chunk(1, "thinking", reasoning=True, tokens=2), chunk(1, "answer")]


def test_a_state_event_separates_chunks() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    events: list[Event] = [chunk(1, "a"), changed(10), chunk(1, "b")]
    for event in events:
        bus.publish(event)
    assert sub.get_nowait() == events


def test_full_queue_drops_the_oldest_chunk_and_counts_it() -> None:
    bus = EventBus()
    sub = bus.subscribe(maxsize=3)
    for attempt in (1, 2, 3, 4):
        bus.publish(chunk(attempt, f"t{attempt}"))
    assert sub.dropped == 1
    assert sub.get_nowait() == [chunk(2, "t2"), chunk(3, "t3"), chunk(4, "t4")]


def test_a_chunk_that_coalesces_never_needs_room() -> None:
    bus = EventBus()
    sub = bus.subscribe(maxsize=2)
    bus.publish(chunk(1, "a"))
    bus.publish(chunk(2, "b"))
    for _ in range(100):
        bus.publish(chunk(2, "b"))
    assert sub.dropped == 0
    assert sub.get_nowait() == [chunk(1, "a"), chunk(2, "b" * 101, tokens=101)]


def test_state_events_are_never_dropped_while_chunks_are_queued() -> None:
    bus = EventBus()
    sub = bus.subscribe(maxsize=4)
    bus.publish(chunk(1, "a"))
    bus.publish(changed(1))
    bus.publish(chunk(2, "b"))
    bus.publish(changed(2))  # full now
    bus.publish(changed(3, TaskState.SUCCEEDED))  # drops chunk 1
    bus.publish(Notice("warn", "budget"))  # drops chunk 2
    assert sub.dropped == 2
    assert sub.get_nowait() == [
        changed(1),
        changed(2),
        changed(3, TaskState.SUCCEEDED),
        Notice("warn", "budget"),
    ]


def test_a_chunk_arriving_at_a_queue_full_of_state_events_is_the_one_dropped() -> None:
    bus = EventBus()
    sub = bus.subscribe(maxsize=2)
    bus.publish(changed(1))
    bus.publish(changed(2))
    bus.publish(chunk(1, "late"))
    assert sub.dropped == 1
    assert sub.get_nowait() == [changed(1), changed(2)]


def test_every_subscriber_gets_everything_on_its_own_queue() -> None:
    bus = EventBus()
    roomy = bus.subscribe()
    tight = bus.subscribe(maxsize=1)
    events: list[Event] = [changed(1), chunk(1, "a"), chunk(2, "b"), changed(2)]
    for event in events:
        bus.publish(event)
    assert roomy.get_nowait() == events and roomy.dropped == 0
    assert tight.get_nowait() == [changed(2)] and tight.dropped == 3
    bus.publish(changed(3))
    assert roomy.get_nowait() == [changed(3)]
    assert tight.get_nowait() == [changed(3)]


async def test_get_waits_for_an_event() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    reader = asyncio.create_task(sub.get())
    await asyncio.sleep(0)
    assert not reader.done()
    bus.publish(changed(5))
    bus.publish(chunk(5, "x"))
    assert await asyncio.wait_for(reader, 5) == [changed(5), chunk(5, "x")]
    assert sub.get_nowait() == []


async def test_close_ends_iteration_after_queued_events() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    bus.publish(changed(1))
    bus.publish(chunk(1, "a"))
    sub.close()
    bus.publish(changed(2))  # after close: not delivered
    seen = [event async for event in sub]
    assert seen == [changed(1), chunk(1, "a")]
    assert sub.closed


async def test_close_wakes_a_waiting_reader() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    other = bus.subscribe()
    seen: list[Event] = []

    async def read() -> None:
        async for event in sub:
            seen.append(event)

    reader = asyncio.create_task(read())
    bus.publish(changed(1))
    for _ in range(5):
        await asyncio.sleep(0)
    assert seen == [changed(1)] and not reader.done()
    sub.close()
    await asyncio.wait_for(reader, 5)
    assert seen == [changed(1)]
    bus.publish(changed(2))
    assert other.get_nowait() == [changed(1), changed(2)]
    other.close()
    other.close()  # closing twice is harmless
    assert await other.get() == []
