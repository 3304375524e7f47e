"""A voter's rationale speaks of the candidates in its own shuffled letters; ``decide`` shows
it in the run's labels (or says which letter is which)."""

from __future__ import annotations

from swarm_tui.cli.vote import in_labels


def test_named_candidates_and_rankings_are_put_in_the_runs_labels() -> None:
    order = ("B", "C", "A")  # the voter's A is the run's B, its B the run's C, its C the run's A
    text = "Candidate A says 42, candidate B says 41. Ranking: A > C > B"
    assert in_labels(text, order) == (
        "Candidate [B] says 42, candidate [C] says 41. Ranking: [B] > [A] > [C]"
    )


def test_the_same_lettering_is_still_marked_as_the_runs() -> None:
    assert in_labels("Candidate B says 42", ("A", "B")) == "Candidate [B] says 42"


def test_a_letter_used_alone_gets_the_voters_lettering_beside_it() -> None:
    assert in_labels("A is right.", ("B", "A")) == "A is right. (its letters: A=[B], B=[A])"
    assert in_labels("A is right.", ("A", "B")) == "A is right."  # same letters: nothing to say
    assert in_labels("I think so.", ("B", "A")) == "I think so."  # not a ballot letter
