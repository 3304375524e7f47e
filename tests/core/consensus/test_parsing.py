"""Normalising, grouping (with a real checker command), ballots, vote and score parsing
(examples and hypothesis fuzzing), and the tally's arithmetic."""

from __future__ import annotations

import contextlib
import json
import random
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarm_tui.core.consensus import (
    CheckerConfig,
    GroupingConfig,
    NormalizeOptions,
    ParseError,
    Tally,
    Vote,
    group_answers,
    make_ballot,
    normalize,
    parse_score,
    parse_vote,
    voter_weight,
)
from swarm_tui.core.consensus.ballot import redact_names
from swarm_tui.core.consensus.normalize import canonical_json, label, similarity

LETTERS = ("A", "B", "C")


# ---------------------------------------------------------------- normalising and grouping


def test_normalize_whitespace_fences_and_punctuation() -> None:
    assert normalize("  The   answer\r\n\n\nis  42.  ") == "The answer\nis 42"
    assert normalize("```python\ndef f():\n    return  1\n```") == "def f():\n    return 1"
    keep = NormalizeOptions(trailing_punctuation="keep", casefold=True)
    assert normalize("Yes!", keep) == "yes!"
    assert normalize("```\nx\n```", NormalizeOptions(strip_fences=False)) == "```\nx\n```"


async def test_exact_and_json_grouping() -> None:
    answers = ['{"a": 1, "b": [1, 2.0]}', '```json\n{ "b": [1, 2], "a": 1.0 }\n```', '{"a": 2}']
    exact = await group_answers(answers, GroupingConfig("exact"))
    assert [g.members for g in exact] == [(0,), (1,), (2,)]
    by_json = await group_answers(answers, GroupingConfig("json"))
    assert [g.members for g in by_json] == [(0, 1), (2,)]
    assert canonical_json("not json") is None
    texts = await group_answers(["Yes.", "yes", "Yes"], GroupingConfig("json"))
    assert [g.members for g in texts] == [(0, 2), (1,)]


async def test_similarity_grouping_is_order_aware() -> None:
    answers = [
        "First install the package, then run the tests, then deploy.",
        "First install the package, then run the tests and then deploy.",
        "First deploy, then run the tests, then install the package.",
    ]
    groups = await group_answers(answers, GroupingConfig("similarity", threshold=0.85))
    assert [g.members for g in groups] == [(0, 1), (2,)]
    assert similarity("a - b", "b - a") < 0.85
    assert similarity("", "") == 1.0


CHECK = "import sys; text = {src}; sys.exit(0 if eval(text, {{}}) == 4 else 1)"


async def test_checker_command_on_stdin_decides_membership() -> None:
    code = CHECK.format(src="sys.stdin.read()")
    checker = CheckerConfig((sys.executable, "-c", code), timeout=30)
    answers = ["2 + 2", "```python\n4\n```", "5", "1 + 3", "nonsense("]
    groups = await group_answers(answers, GroupingConfig("checker", checker=checker))
    assert [(g.members, g.passed) for g in groups] == [
        ((0, 1, 3), True),
        ((2,), False),
        ((4,), False),
    ]


async def test_checker_command_with_a_temp_file_and_a_timeout() -> None:
    code = CHECK.format(src="open(sys.argv[1]).read()")
    checker = CheckerConfig((sys.executable, "-c", code, "{file}"), suffix=".expr")
    groups = await group_answers(["2*2", "3"], GroupingConfig("checker", checker=checker))
    assert [(g.members, g.passed) for g in groups] == [((0,), True), ((1,), False)]
    slow = CheckerConfig((sys.executable, "-c", "import time; time.sleep(60)"), timeout=0.2)
    hung = await group_answers(["x"], GroupingConfig("checker", checker=slow))
    assert [(g.members, g.passed) for g in hung] == [((0,), False)]
    missing = CheckerConfig(("/nonexistent/checker",))
    gone = await group_answers(["x"], GroupingConfig("checker", checker=missing))
    assert gone[0].passed is False


def test_labels() -> None:
    assert [label(i) for i in (0, 1, 25, 26, 27, 52)] == ["A", "B", "Z", "AA", "AB", "BA"]


# ---------------------------------------------------------------- ballots


def test_ballot_letters_follow_the_shuffled_order_and_map_back() -> None:
    ballot = make_ballot("Q?", [("A", "one"), ("B", "two"), ("C", "three")], random.Random(1))
    assert ballot.letters == LETTERS and sorted(ballot.order) == ["A", "B", "C"]
    content = ballot.messages[-1].content
    for letter, group in zip(ballot.letters, ballot.order, strict=True):
        text = {"A": "one", "B": "two", "C": "three"}[group]
        assert f"Candidate {letter}:\n<<<\n{text}\n>>>" in content
    vote = ballot.to_groups(Vote("A", ("A", "C")))
    assert vote.choice == ballot.order[0] and vote.ranking == (ballot.order[0], ballot.order[2])


def test_redaction_masks_model_names_as_whole_words() -> None:
    text = "I am Qwen3:8B (ollama/qwen3:8b); qwen3:8bx and gpt-4o-mini differ from gpt-4o."
    masked = redact_names(text, ["ollama/qwen3:8b", "qwen3:8b", "gpt-4o", "m1"])
    assert masked == "I am [model] ([model]); qwen3:8bx and gpt-4o-mini differ from [model]."


# ---------------------------------------------------------------- vote parsing


@pytest.mark.parametrize(
    ("reply", "choice", "ranking", "rationale"),
    [
        ('{"choice": "B", "ranking": ["B", "A", "C"], "rationale": "best"}', "B", "BAC", "best"),
        ('```json\n{"choice": "c", "ranking": "C > A", "reason": "ok"}\n```', "C", "CA", "ok"),
        ('Sure! {"Winner": "Candidate A", "why": "x"} Hope that helps.', "A", "A", "x"),
        ('{"ranking": ["C", "B", "A"]}', "C", "CBA", ""),
        ("I pick B", "B", "B", "I pick B"),
        ("Ranking: B > A > C\nRationale: B is complete", "B", "BAC", "B is complete"),
        ("B > C > A", "B", "BCA", "B > C > A"),
        ("My choice is **C** because it is right", "C", "C", "it is right"),
        ("After reading, candidate b is clearly better.", "B", "B", ""),
        ("I vote for A.", "A", "A", "I vote for A."),
        ("C", "C", "C", "C"),
        ('{"choice": "Z"}\nI pick A', "A", "A", ""),
        ("Best: C. Ranking: C, B, A", "C", "CBA", ""),
    ],
)
def test_parse_vote_examples(reply: str, choice: str, ranking: str, rationale: str) -> None:
    vote = parse_vote(reply, LETTERS)
    assert vote.choice == choice and vote.ranking == tuple(ranking)
    if rationale:
        assert vote.rationale == rationale


@pytest.mark.parametrize(
    "reply",
    ["", "   ", "I cannot decide.", "A good answer would be B", "Both A and C are fine", "D", "{}"],
)
def test_parse_vote_refuses_what_holds_no_single_choice(reply: str) -> None:
    with pytest.raises(ParseError):
        parse_vote(reply, LETTERS)


VOTEY = st.sampled_from(
    ["A", "B", "C", "D", "a", " > ", ",", "{", "}", "[", "]", '"', ":", "choice", "ranking",
     "I pick ", "candidate ", "```", "json", "\n", "rationale", "null", "1", "-", " "]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(VOTEY, max_size=40).map("".join)))
def test_parse_vote_raises_only_parse_error(reply: str) -> None:
    try:
        vote = parse_vote(reply, LETTERS)
    except ParseError:
        return
    assert vote.choice in LETTERS and vote.ranking[0] == vote.choice
    assert set(vote.ranking) <= set(LETTERS) and len(set(vote.ranking)) == len(vote.ranking)
    assert "\n" not in vote.rationale


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(max_size=8), inner),
)


@settings(max_examples=200, deadline=None)
@given(JSONISH)
def test_parse_vote_on_arbitrary_json(value: object) -> None:
    with contextlib.suppress(ParseError):
        parse_vote(json.dumps(value), LETTERS)


def test_parse_vote_survives_deeply_nested_json() -> None:
    with pytest.raises(ParseError):
        parse_vote('{"a": ' * 50_000, LETTERS)
    assert parse_vote("[" * 10_000 + ' {"choice": "A"}', LETTERS).choice == "A"


# ---------------------------------------------------------------- score parsing


@pytest.mark.parametrize(
    ("reply", "score", "reason"),
    [
        ('{"score": 8, "reason": "good"}', 8, "good"),
        ('```json\n{"Rating": "7", "why": "fine"}\n```', 7, "fine"),
        ("Score: 6/10\nReason: misses an edge case", 6, "misses an edge case"),
        ("I'd give it 9 out of 10.", 9, ""),
        ("Rating - 3. Because it is wrong", 3, "it is wrong"),
        ("10", 10, ""),
    ],
)
def test_parse_score_examples(reply: str, score: int, reason: str) -> None:
    got = parse_score(reply)
    assert got[0] == score and (not reason or got[1] == reason)


@pytest.mark.parametrize(
    "reply", ["", "great job", "between 5 and 7", "0/10", "11", '{"score": 12}']
)
def test_parse_score_refuses(reply: str) -> None:
    with pytest.raises(ParseError):
        parse_score(reply)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parse_score_raises_only_parse_error(reply: str) -> None:
    try:
        score, reason = parse_score(reply)
    except ParseError:
        return
    assert 1 <= score <= 10 and "\n" not in reason


# ---------------------------------------------------------------- tally


def test_weights_by_policy() -> None:
    mix = {"p/a": 3.0, "p/b": 0.5}
    assert voter_weight("p/a", "equal") == 1.0
    assert voter_weight("p/a", "mix", mix) == 3.0
    assert voter_weight("p/x", "mix", mix) == 0.5
    assert voter_weight("p/a", "record", record=lambda m: -2.0) == 0.0
    with pytest.raises(ValueError):
        voter_weight("p/a", "record")


def test_plurality_margin_tie_and_settled() -> None:
    tally = Tally(LETTERS, "plurality", threshold=0.25)
    assert tally.outcome().winner is None and not tally.settled(3.0)
    tally.add(Vote("A", ("A",)), 1.0)
    tally.add(Vote("B", ("B",)), 1.0)
    out = tally.outcome()
    assert out.tie and out.low_margin and out.contested == ("A", "B") and out.winner is None
    tally.add(Vote("A", ("A",)), 2.0)
    out = tally.outcome()
    assert out.winner == "A" and out.margin == pytest.approx(0.5) and not out.low_margin
    assert tally.settled(0.5)  # 3 vs 1.5 of 4.5: margin 0.33 at worst
    assert not tally.settled(1.0)  # 3 vs 2 of 5: margin 0.2 < 0.25 at worst


def test_borda_points_and_partial_rankings() -> None:
    tally = Tally(LETTERS, "borda")
    tally.add(Vote("A", ("A", "B", "C")), 1.0)
    tally.add(Vote("C", ("C",)), 2.0)
    assert tally.scores == {"A": 2.0, "B": 1.0, "C": 4.0} and tally.cast == 7.0
    assert not tally.settled(1.0) and tally.settled(0.9)
