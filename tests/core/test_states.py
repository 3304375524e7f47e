"""The task state machine, pair by pair."""

from __future__ import annotations

import itertools

import pytest

from swarm_tui.domain.models import TaskState
from swarm_tui.domain.states import ALLOWED, InvalidTransition, can_move, check_move, sources

Q, R, P, V = TaskState.QUEUED, TaskState.RUNNING, TaskState.PAUSED, TaskState.NEEDS_VOTE
S, F, C = TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED
NR = TaskState.NEEDS_REVIEW

# Written out by hand from the design so a silent change to ALLOWED shows up here.
EXPECTED: set[tuple[TaskState, TaskState]] = {
    (Q, R), (Q, P), (Q, C), (Q, F),
    (R, S), (R, F), (R, Q), (R, P), (R, C), (R, V), (R, NR),
    (P, Q), (P, C),
    (NR, S), (NR, C), (NR, Q),
    (V, S), (V, F), (V, C),
    (F, Q),
    (C, Q),
}  # fmt: skip

PAIRS = list(itertools.product(TaskState, TaskState))


def test_every_state_has_an_entry() -> None:
    assert set(ALLOWED) == set(TaskState)


@pytest.mark.parametrize(("current", "wanted"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_pair(current: TaskState, wanted: TaskState) -> None:
    allowed = (current, wanted) in EXPECTED
    assert can_move(current, wanted) is allowed
    assert (wanted in ALLOWED[current]) is allowed
    if allowed:
        check_move(1, current, wanted, "move")
    else:
        with pytest.raises(InvalidTransition):
            check_move(1, current, wanted, "move")


def test_no_state_moves_to_itself() -> None:
    assert not any(can_move(s, s) for s in TaskState)


def test_succeeded_is_final_and_other_terminals_only_retry() -> None:
    assert ALLOWED[S] == frozenset()
    assert ALLOWED[F] == frozenset({Q}) and ALLOWED[C] == frozenset({Q})
    assert {s for s in TaskState if s.terminal} == {S, F, C}


@pytest.mark.parametrize("wanted", list(TaskState))
def test_sources_invert_the_table(wanted: TaskState) -> None:
    assert sources(wanted) == {a for a, b in EXPECTED if b == wanted}


def test_refusal_names_task_states_and_action() -> None:
    with pytest.raises(InvalidTransition) as info:
        check_move(17, S, Q, "retry")
    exc = info.value
    msg = str(exc)
    assert "#17" in msg and "succeeded" in msg and "retry" in msg and "queued" in msg
    # where a task can be retried from
    assert "cancelled, failed, needs_review, paused, running" in msg
    assert (exc.task_id, exc.current, exc.wanted) == (17, S, Q)
    assert isinstance(exc, ValueError)


def test_refusal_message_for_pausing_a_finished_task() -> None:
    with pytest.raises(InvalidTransition, match=r"task #3 is cancelled: cannot pause it"):
        check_move(3, C, P, "pause")
    with pytest.raises(InvalidTransition, match=r"only queued, running tasks can go to paused"):
        check_move(3, C, P, "pause")
