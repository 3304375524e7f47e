"""Judges that are models: rubric replies parsed; a pairwise preference counts only when both
orders agree, so a judge that always prefers one position is neutralised."""

from __future__ import annotations

from swarm_tui.evals.judges import (
    combine_pairwise,
    pairwise_prompt,
    parse_pairwise,
    parse_rubric,
    rubric_prompt,
)


def test_rubric_reply_parsed_with_reason() -> None:
    verdict = parse_rubric("SCORE: 8\nREASON: right and short")
    assert verdict is not None and verdict.score == 8 and verdict.reason == "right and short"
    assert parse_rubric("score = 10/10 perfect") is not None
    assert parse_rubric("SCORE: 11") is None and parse_rubric("no idea") is None


def test_pairwise_needs_both_orders_to_agree() -> None:
    assert parse_pairwise("WINNER: 1\nREASON: x") == "first"
    assert parse_pairwise("winner: tie") == "tie" and parse_pairwise("dunno") is None
    assert combine_pairwise("first", "second") == "a"  # A first wins; B first, A (2nd) wins
    assert combine_pairwise("second", "first") == "b"
    assert combine_pairwise("first", "first") == "none"  # always position 1: neutralised
    assert combine_pairwise("second", "second") == "none"
    assert combine_pairwise("tie", "tie") == "tie"
    assert combine_pairwise("first", None) == "none"


def test_judge_prompts_hold_no_model_names() -> None:
    prompt = pairwise_prompt("task", "answer one", "answer two")
    assert "ANSWER 1:\nanswer one" in prompt and "ANSWER 2:\nanswer two" in prompt
    assert "model" not in prompt.lower()
    assert "model" not in rubric_prompt("task", "rubric", "answer").lower()
