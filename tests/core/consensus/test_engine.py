"""The consensus engine end to end over scripted models: agreement, vote, arbiter, human,
refinement, early stop, fallbacks, anonymity of the ballots, review mode, the JSON record."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest

from swarm_tui.core.consensus import (
    ArbiterConfig,
    ConsensusConfig,
    ConsensusEngine,
    ConsensusRecord,
    resolve_by_human,
)
from tests.core.consensus.scripted import FAIL, Models, config_of, hang, letter_of, vote_for

ABC = ("p/a", "p/b", "p/c")


def engine(scripted: Models, /, seed: int = 7, **config: object) -> ConsensusEngine:
    cfg = config_of(**{"models": ABC, **config})
    return ConsensusEngine(cfg, scripted.answer, scripted.vote, rng=random.Random(seed))


def roundtrip(record: ConsensusRecord) -> ConsensusRecord:
    assert ConsensusRecord.from_json(record.to_json()) == record
    return record


async def test_agreement_needs_no_vote() -> None:
    models = Models(answers={"p/a": "42", "p/b": " 42.\n", "p/c": "```\n42\n```"})
    record = roundtrip(await engine(models).run("What is 6 x 7?"))
    assert record.status == "decided" and record.decided_by == "agreement"
    assert record.decision == "42" and record.winner == "A"
    assert [g.members for g in record.groups] == [(0, 1, 2)]
    assert models.called("vote") == [] and record.votes == ()
    assert record.cost == pytest.approx(0.03)
    assert record.votes_won() == {"p/a": 1, "p/b": 1, "p/c": 1}


async def test_partial_agreement_counts_when_the_share_allows() -> None:
    models = Models(answers={"p/a": "42", "p/b": "42", "p/c": "41"})
    record = await engine(models, agreement=0.6).run("6 x 7?")
    assert record.decided_by == "agreement" and record.decision == "42"
    assert record.reason == "2 of 3 answers agree"


async def test_disagreement_goes_to_a_vote_with_rationales() -> None:
    models = Models(
        answers={"p/a": "Paris", "p/b": "Lyon", "p/c": "Paris, France"},
        votes={
            "p/a": vote_for("Paris, France", "Paris", rationale="most precise"),
            "p/b": vote_for("Lyon", rationale="mine"),
            "p/c": vote_for("Paris, France", rationale="complete"),
        },
    )
    record = roundtrip(await engine(models).run("Capital of France?"))
    assert record.status == "decided" and record.decided_by == "vote"
    assert record.decision == "Paris, France" and record.winner == "C"
    assert record.scores == {"A": 0.0, "B": 1.0, "C": 2.0}
    assert record.margin == pytest.approx(1 / 3) and not record.low_margin
    assert [v.rationale for v in record.votes] == ["most precise", "mine", "complete"]
    assert all(sorted(v.order) == ["A", "B", "C"] for v in record.votes)
    assert models.called("vote") == list(ABC)
    assert record.votes_won() == {"p/a": 0, "p/b": 0, "p/c": 1}


async def test_borda_counts_rankings() -> None:
    # Plurality ties X and Z 2-2; Borda sees that everyone ranks Y high (X 4, Y 6, Z 5).
    rankings = [("X", "Y", "Z"), ("X", "Y", "Z"), ("Z", "Y", "X"), ("Y", "Z", "X"), ("Z", "Y", "X")]
    voters = tuple(f"v/{i}" for i in range(5))
    models = Models(
        answers={"p/a": "X", "p/b": "Y", "p/c": "Z"},
        votes={v: vote_for(*r) for v, r in zip(voters, rankings, strict=True)},
    )
    record = await engine(models, voting="borda", voters=voters).run("?")
    assert record.method == "borda" and record.decided_by == "vote"
    assert record.scores == {"A": 4.0, "B": 6.0, "C": 5.0} and record.decision == "Y"
    assert record.margin == pytest.approx(1 / 15) and record.skipped_voters == ()
    plurality = await engine(models, voters=voters, fallback="fail").run("?")
    assert plurality.status == "failed" and plurality.reason.startswith("tie, nobody")


async def test_a_tie_goes_to_the_arbiter_over_the_contested_candidates() -> None:
    models = Models(
        answers={"p/a": "red", "p/b": "blue", "p/c": "green"},
        votes={
            "p/a": vote_for("red"),
            "p/b": vote_for("blue"),
            "p/c": FAIL,
            "expert/judge": vote_for("blue", rationale="blue is right"),
        },
    )
    by_role = {"painter": "expert/judge"}
    eng = engine(models, arbiter="expert/default", arbiter_by_role=by_role)
    record = roundtrip(await eng.run("Sky colour?", role="painter"))
    assert record.decided_by == "arbiter" and record.decision == "blue"
    assert record.low_margin and record.arbiter is not None
    assert record.arbiter.model == "expert/judge" and record.arbiter.rationale == "blue is right"
    assert sorted(record.arbiter.order) == ["A", "B"]  # green got no vote: not contested
    assert "green" not in models.prompts("vote")[-1]
    assert record.votes[2].error == "failed: scripted failure"


def test_arbiter_is_picked_by_tag_then_role_then_default() -> None:
    arbiter = ArbiterConfig(model="d/d", by_role={"r": "r/r"}, by_tag={"law": "t/t"})
    assert arbiter.pick("r", ["x", "law"]) == "t/t"
    assert arbiter.pick("r", ["x"]) == "r/r"
    assert arbiter.pick("other") == "d/d"


async def test_a_tie_without_an_arbiter_waits_for_the_human() -> None:
    models = Models(
        answers={"p/a": "yes", "p/b": "no"},
        votes={"p/a": vote_for("yes"), "p/b": vote_for("no")},
    )
    record = roundtrip(await engine(models, models=ABC[:2], human=True).run("Ship it?"))
    assert record.status == "needs_human" and record.decision is None
    assert record.needs_human is not None and record.needs_human.contested == ("A", "B")
    assert record.decided_by is None and record.votes_won() == {"p/a": 0, "p/b": 0}
    decided = roundtrip(resolve_by_human(record, "B", "no is safer"))
    assert decided.status == "decided" and decided.decided_by == "human"
    assert decided.decision == "no" and decided.needs_human is None
    assert decided.reason == "the human picked B: no is safer"
    with pytest.raises(ValueError, match="no candidate 'Z'"):
        resolve_by_human(record, "Z")


async def test_an_arbiter_that_fails_leaves_it_to_the_human_then_can_be_asked_again() -> None:
    models = Models(
        answers={"p/a": "yes", "p/b": "no"},
        votes={"p/a": vote_for("yes"), "p/b": vote_for("no"), "x/arb": "I cannot decide."},
    )
    eng = engine(models, models=ABC[:2], human=True, arbiter="x/arb")
    record = await eng.run("Ship it?")
    assert record.status == "needs_human" and record.arbiter is not None
    assert record.arbiter.error is not None and "could not settle" in record.reason
    models.votes["x/arb"] = lambda b: f"After thought, I pick {letter_of(b, 'no')}. Why: safer."
    again = roundtrip(await eng.arbitrate(record, "Ship it?"))
    assert again.status == "decided" and again.decided_by == "arbiter"
    assert again.decision == "no" and again.arbiter is not None
    assert again.arbiter.rationale == "safer."


async def test_low_margin_goes_to_the_arbiter_when_the_threshold_says_so() -> None:
    voters = tuple(f"v/{i}" for i in range(5))
    picks = ["one", "two", "one", "two", "one"]
    votes = {v: vote_for(p) for v, p in zip(voters, picks, strict=True)}
    models = Models(answers={"p/a": "one", "p/b": "two"}, votes={**votes, "x/arb": vote_for("two")})
    eng = engine(models, models=ABC[:2], voters=voters, margin=0.3, arbiter="x/arb")
    record = await eng.run("Count?")
    assert record.scores == {"A": 3.0, "B": 2.0} and record.margin == pytest.approx(1 / 5)
    assert record.low_margin and record.decided_by == "arbiter" and record.decision == "two"
    stands = await engine(models, models=ABC[:2], voters=voters, margin=0.3).run("Count?")
    assert stands.decided_by == "vote" and stands.decision == "one" and stands.low_margin


async def test_refinement_changes_the_outcome() -> None:
    def revise_to_paris(messages: object) -> str:
        return "Paris" if "Paris" in str(messages) else "Lyon"

    answers = {"p/a": "Paris", "p/b": "Lyon", "p/c": "Lyon"}
    votes = {m: vote_for("Lyon") for m in ABC}
    without = await engine(Models(answers=dict(answers), votes=votes)).run("Capital?")
    assert without.decided_by == "vote" and without.decision == "Lyon"

    models = Models(answers=dict(answers), votes=votes)
    eng = engine(models, rounds=3)
    first = {"p/b": True, "p/c": True}

    def once_then(model: str):  # type: ignore[no-untyped-def]
        def script(messages: object) -> str:
            if first.pop(model, False):
                return "Lyon"
            return revise_to_paris(messages)

        return script

    models.answers["p/b"] = once_then("p/b")
    models.answers["p/c"] = once_then("p/c")
    record = roundtrip(await eng.run("Capital?"))
    assert record.decided_by == "agreement" and record.decision == "Paris"
    assert len(record.rounds) == 1 and record.rounds[0].changed == (1, 2)
    assert record.rounds[0].groups == 1 and models.called("vote") == []
    revision_prompt = models.prompts("answer")[-1]
    assert "Other answer 1" in revision_prompt and "p/a" not in revision_prompt
    assert record.cost == pytest.approx(0.06)  # three answers and three revisions


async def test_refinement_stops_when_nothing_changes() -> None:
    models = Models(
        answers={"p/a": "x", "p/b": "y", "p/c": "z"},
        votes={m: vote_for("y") for m in ABC},
    )
    record = await engine(models, rounds=5).run("?")
    assert len(record.rounds) == 1 and record.rounds[0].changed == ()
    assert record.decided_by == "vote" and record.decision == "y"


async def test_early_stop_skips_voters_once_the_outcome_is_settled() -> None:
    voters = tuple(f"v/{i}" for i in range(5))
    models = Models(
        answers={"p/a": "alpha", "p/b": "beta"},
        votes={v: vote_for("beta") for v in voters},
    )
    record = await engine(models, models=ABC[:2], voters=voters).run("?")
    assert record.decided_by == "vote" and record.decision == "beta"
    assert models.called("vote") == ["v/0", "v/1", "v/2"]
    assert record.skipped_voters == ("v/3", "v/4") and len(record.votes) == 3


async def test_early_stop_waits_while_the_margin_could_still_turn_low() -> None:
    voters = tuple(f"v/{i}" for i in range(5))
    models = Models(
        answers={"p/a": "alpha", "p/b": "beta"},
        votes={v: vote_for("beta") for v in voters},
    )
    record = await engine(models, models=ABC[:2], voters=voters, margin=0.5).run("?")
    # After 3-0 two more votes for alpha would leave 3-2 (margin 0.2 < 0.5): keep asking.
    assert models.called("vote") == ["v/0", "v/1", "v/2", "v/3"]
    assert record.skipped_voters == ("v/4",)


async def test_failing_voters_fall_back_to_the_heaviest_model() -> None:
    models = Models(
        answers={"p/a": "light", "p/b": "heavy", "p/c": "medium"},
        votes={m: FAIL for m in ABC},
    )
    mix = {"p/a": 1.0, "p/b": 5.0, "p/c": 2.0}
    record = roundtrip(await engine(models, models=(), mix=mix, n=3).run("?"))
    assert [c.model for c in record.candidates] == ["p/b", "p/c", "p/a"]
    assert record.decided_by == "fallback" and record.decision == "heavy"
    assert "no vote could be counted" in record.reason and "p/b" in record.reason
    assert all(v.error == "failed: scripted failure" for v in record.votes)


async def test_voters_that_time_out_fall_back_to_the_first_finished() -> None:
    models = Models(answers={"p/a": "x", "p/b": "y"}, votes={"p/a": hang, "p/b": hang})
    eng = engine(models, models=ABC[:2], fallback="first_finished", vote_timeout_s=0.05)
    record = await eng.run("?")
    assert record.decided_by == "fallback" and record.decision == "x"
    assert [v.error for v in record.votes] == ["timed out after 0.05s"] * 2


async def test_the_whole_vote_timing_out_falls_back_and_fail_fails() -> None:
    models = Models(answers={"p/a": "x", "p/b": "y"}, votes={"p/a": hang, "p/b": hang})
    eng = engine(models, models=ABC[:2], fallback="fail", voting_timeout_s=0.05, vote_concurrency=2)
    record = roundtrip(await eng.run("?"))
    assert record.status == "failed" and record.decision is None
    assert record.reason == "voting timed out; fallback: fail"
    assert [v.error for v in record.votes] == ["voting timed out"] * 2


async def test_failed_and_timed_out_candidates_are_recorded() -> None:
    models = Models(answers={"p/a": FAIL, "p/b": "only me", "p/c": ""})
    record = await engine(models).run("?")
    assert [c.error for c in record.candidates] == [
        "failed: scripted failure",
        None,
        "empty answer",
    ]
    assert record.decided_by == "fallback" and record.decision == "only me"
    assert record.reason.startswith("only one model answered")
    models.answers["p/b"] = FAIL
    failed = await engine(models).run("?")
    assert failed.status == "failed" and failed.reason == "no model answered"


async def test_weights_by_mix_and_by_record() -> None:
    answers = {"p/a": "x", "p/b": "y", "p/c": "y!"}
    votes = {"p/a": vote_for("x"), "p/b": vote_for("y"), "p/c": vote_for("y")}
    # p/c answered like p/b, so groups are x and y; voters p/a (heavy) vs p/b (light).
    by_mix = await engine(
        Models(answers=answers, votes=votes),
        models=("p/a", "p/b"),
        weights="mix",
        mix={"p/a": 3.0, "p/b": 1.0},
    ).run("?")
    assert by_mix.decision == "x" and [v.weight for v in by_mix.votes] == [3.0]
    assert by_mix.skipped_voters == ("p/b",)  # 3 to at most 1: settled after one vote
    by_record = await engine(
        Models(answers=answers, votes=votes),
        models=("p/a", "p/b"),
        weights="record",
        record_weight=lambda m: 0.5 if m == "p/a" else 2.0,
    ).run("?")
    assert by_record.decision == "y" and by_record.scores == {"A": 0.5, "B": 2.0}


async def test_ballots_are_shuffled_per_voter_and_reveal_no_model() -> None:
    refs = ("quuxcorp/zorblax-9000", "hyperion-labs/glimmerwing-xl", "obscura/vantablack-7b")
    voters = tuple(f"judgeworks/arbitron-{i}" for i in range(8))
    answers = {
        refs[0]: "As zorblax-9000 I say: the answer is one.",
        refs[1]: "GlimmerWing-XL here. Answer: two.",
        refs[2]: "three (by obscura/vantablack-7b)",
    }

    def first_shown(ballot: dict[str, str]) -> str:
        return '{"choice": "A", "ranking": ["A"], "rationale": "first"}'

    models = Models(answers=answers, votes=dict.fromkeys(voters, first_shown))
    cfg = config_of(models=refs, voters=voters, arbiter="seer/oracle-max")
    record = await ConsensusEngine(cfg, models.answer, models.vote, rng=random.Random(3)).run(
        "Count to three."
    )
    orders = [v.order for v in record.votes]
    assert all(sorted(o) == ["A", "B", "C"] for o in orders)
    assert len(set(orders)) > 1  # shuffled per voter
    assert [v.choice for v in record.votes if v.choice] == [o[0] for o in orders][: len(orders)]
    names = {n for ref in (*refs, *voters) for n in (ref, *ref.split("/"))}
    names |= {"glimmerwing", "zorblax", "vantablack", "quuxcorp", "hyperion", "obscura"}
    for prompt in models.prompts("vote"):
        lowered = prompt.lower()
        leaked = [n for n in names if n.lower() in lowered]
        assert leaked == [], leaked
        assert set(re.findall(r"Candidate ([A-Z]+):", prompt)) == {"A", "B", "C"}
    again = Models(answers=answers, votes=dict.fromkeys(voters, first_shown))
    rerun = await ConsensusEngine(cfg, again.answer, again.vote, rng=random.Random(3)).run(
        "Count to three."
    )
    assert [v.order for v in rerun.votes] == orders  # the seeded rng decides the shuffle


async def test_review_mode_scores_the_author() -> None:
    models = Models(
        answers={"p/a": "def add(a, b): return a + b"},
        votes={
            "p/b": '```json\n{"score": 8, "reason": "correct and short"}\n```',
            "p/c": "Score: 6/10. Reason: no docstring",
            "p/d": "I cannot score this.",
            "p/e": FAIL,
        },
    )
    eng = engine(models, mode="review", models=("p/a", "p/b", "p/c", "p/d", "p/e"))
    record = roundtrip(await eng.run("Write add()."))
    assert record.mode == "review" and record.decided_by == "review"
    assert record.decision == "def add(a, b): return a + b"
    assert [(r.reviewer, r.score) for r in record.reviews] == [
        ("p/b", 8),
        ("p/c", 6),
        ("p/d", None),
        ("p/e", None),
    ]
    assert record.reviews[1].reason == "no docstring"
    assert record.reviews[2].error is not None and "no score" in record.reviews[2].error
    assert record.quality == {"p/a": 7.0}
    assert models.called("answer") == ["p/a"]
    assert all("p/a" not in p for p in models.prompts("vote"))


def test_config_checks_itself() -> None:
    with pytest.raises(ValueError, match="needs models"):
        ConsensusConfig()
    with pytest.raises(ValueError, match="review mode needs an author and at least one reviewer"):
        config_of(models=("p/a",), mode="review")
    with pytest.raises(ValueError, match="record_weight"):
        config_of(models=ABC, weights="record")
    cfg = config_of(mix={"p/x": 1, "p/y": 3}, n=3)
    assert cfg.resolve_models() == ("p/y", "p/x", "p/y")
    changed = cfg.settings.model_copy(update={"models": ["p/z"]})
    assert dataclasses.replace(cfg, settings=changed).resolve_models() == ("p/z",)
