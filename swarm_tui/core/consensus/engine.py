"""The consensus engine: candidates in parallel, then agreement -> refinement -> vote ->
arbitration (or the human, or the fallback), and a :class:`ConsensusRecord` of it all.

The engine does no I/O of its own: it calls two injected async callables,
``answer(model_ref, messages) -> Answer`` for candidate answers and revisions and
``vote(model_ref, messages) -> str | Answer`` for votes, arbiter calls and reviews (return
an :class:`Answer` to have the call's cost counted). Every call has its own timeout; a call
that fails or times out is recorded and the run goes on without it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import itertools
import random
import statistics
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from swarm_tui.core.consensus import arbitrate as arb
from swarm_tui.core.consensus.config import ConsensusConfig
from swarm_tui.core.consensus.normalize import group_answers, label
from swarm_tui.core.consensus.record import (
    Answer,
    Candidate,
    ConsensusRecord,
    Group,
    NeedsHuman,
    RoundRecord,
)
from swarm_tui.core.consensus.refine import changed, refine_round
from swarm_tui.core.consensus.review import review_messages, run_reviews
from swarm_tui.core.consensus.tally import Tally, voter_weight
from swarm_tui.core.consensus.voting import poll_voters
from swarm_tui.core.router import split_ref
from swarm_tui.providers.base import ChatMessage, Usage

__all__ = ["AnswerFn", "ConsensusEngine", "VoteFn"]

AnswerFn = Callable[[str, Sequence[ChatMessage]], Awaitable[Answer]]
VoteFn = Callable[[str, Sequence[ChatMessage]], Awaitable[str | Answer]]


def _add_usage(a: Usage | None, b: Usage | None) -> Usage | None:
    if a is None or b is None:
        return a or b

    def plus(x: int | None, y: int | None) -> int | None:
        return None if x is None and y is None else (x or 0) + (y or 0)

    source = a.source if a.source == b.source else "unknown"
    return Usage(
        plus(a.input_tokens, b.input_tokens),
        plus(a.output_tokens, b.output_tokens),
        plus(a.cached_tokens, b.cached_tokens),
        source=source,
    )


@dataclass
class _Run:
    """One run's working state."""

    prompt: str
    base: tuple[ChatMessage, ...]
    role: str | None
    tags: tuple[str, ...]
    hide: tuple[str, ...]
    candidates: list[Candidate] = field(default_factory=list)
    cost: float = 0.0


class ConsensusEngine:
    def __init__(
        self,
        config: ConsensusConfig,
        answer: AnswerFn,
        vote: VoteFn,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.answer = answer
        self.vote = vote
        self.rng = rng or random.Random()

    # ------------------------------------------------------------------ public
    async def run(
        self,
        prompt: str,
        *,
        system: str | None = None,
        role: str | None = None,
        tags: Sequence[str] = (),
    ) -> ConsensusRecord:
        """One consensus (or review) run over ``prompt``."""
        base = ((ChatMessage("system", system),) if system else ()) + (ChatMessage("user", prompt),)
        run = _Run(prompt, base, role, tuple(tags), self._hidden(role, tags))
        models = self.config.resolve_models()
        if self.config.mode == "review":
            return await self._review(run, models)
        run.candidates = await self._answers(run, models)
        ok = [c for c in run.candidates if c.ok]
        if not ok:
            return self._finish(run, (), status="failed", reason="no model answered")
        groups = await self._group(run)
        ok = [c for c in run.candidates if c.ok]
        rounds: list[RoundRecord] = []
        for number in range(1, self.config.rounds + 1):
            if len(ok) < 2 or self._agreed(groups, len(ok)):
                break
            record = await self._refine(run, number)
            groups = await self._group(run)
            ok = [c for c in run.candidates if c.ok]
            rounds.append(dataclasses.replace(record, groups=len(groups)))
            if not record.changed:
                break
        done = functools.partial(self._finish, run, tuple(groups), rounds=tuple(rounds))
        if len(ok) == 1:
            return self._fallback(done, ok, (), "only one model answered")
        if self._agreed(groups, len(ok)):
            top = max(groups, key=lambda g: len(g.members))
            why = f"{len(top.members)} of {len(ok)} answers agree"
            return done(status="decided", winner=top, decided_by="agreement", reason=why)
        return await self._vote_and_decide(run, groups, done)

    async def arbitrate(
        self,
        record: ConsensusRecord,
        prompt: str,
        *,
        role: str | None = None,
        tags: Sequence[str] = (),
        model: str | None = None,
    ) -> ConsensusRecord:
        """Send a record to the arbiter (the pane's "send to arbiter"): over its contested
        groups, or all of them. The record comes back decided by the arbiter, or unchanged
        except for the arbiter's failed attempt and its cost."""
        model = model or (self.config.arbiter.pick(role, tags) if self.config.arbiter else None)
        if model is None:
            raise ValueError("no arbiter is configured for this role or these tags")
        contested = record.needs_human.contested if record.needs_human else ()
        groups = [g for g in record.groups if not contested or g.label in contested]
        verdict = await arb.ask_arbiter(
            model,
            prompt,
            groups,
            self.vote,
            self.rng,
            seconds=self.config.vote_timeout,
            hide=self._hidden(role, tags, model),
            max_chars=self.config.ballot_chars,
        )
        cost = record.cost + verdict.cost
        if verdict.choice is None:
            return dataclasses.replace(record, arbiter=verdict, cost=cost)
        return dataclasses.replace(
            record,
            status="decided",
            decision=record.group(verdict.choice).text,
            winner=verdict.choice,
            decided_by="arbiter",
            needs_human=None,
            arbiter=verdict,
            cost=cost,
            reason=f"the arbiter picked {verdict.choice}",
        )

    # ------------------------------------------------------------------ steps
    def _hidden(self, role: str | None, tags: Sequence[str], *extra: str) -> tuple[str, ...]:
        c = self.config
        refs = [*c.resolve_models(), *(c.voters or ()), *c.mix, *extra]
        if c.arbiter is not None:
            refs += [r for r in (c.arbiter.pick(role, tags), c.arbiter.model) if r]
            refs += [*c.arbiter.by_role.values(), *c.arbiter.by_tag.values()]
        names = {name for ref in refs for name in (ref, split_ref(ref)[1]) if name}
        return tuple(sorted(names))

    async def _answers(self, run: _Run, models: Sequence[str]) -> list[Candidate]:
        order = itertools.count()
        timeout = self.config.answer_timeout

        async def one(i: int, model: str) -> Candidate:
            try:
                async with asyncio.timeout(timeout):
                    got = await self.answer(model, run.base)
            except TimeoutError:
                return Candidate(i, model, error=f"timed out after {timeout:g}s")
            except Exception as exc:
                return Candidate(i, model, error=f"failed: {exc}")
            if not got.text.strip():
                return Candidate(i, model, usage=got.usage, cost=got.cost, error="empty answer")
            return Candidate(i, model, got.text, got.usage, got.cost, finished=next(order))

        return list(await asyncio.gather(*(one(i, m) for i, m in enumerate(models))))

    async def _group(self, run: _Run) -> list[Group]:
        ok = [c for c in run.candidates if c.ok]
        found = await group_answers([c.text for c in ok], self.config.grouping)
        groups: list[Group] = []
        for n, g in enumerate(found):
            members = tuple(ok[i].id for i in g.members)
            groups.append(Group(label(n), members, ok[g.members[0]].text, g.passed))
            for cid in members:
                run.candidates[cid] = dataclasses.replace(run.candidates[cid], group=label(n))
        return groups

    def _agreed(self, groups: Sequence[Group], answered: int) -> bool:
        sizes = sorted((len(g.members) for g in groups), reverse=True)
        if answered < 2 or not sizes:
            return False
        unique_top = len(sizes) == 1 or sizes[0] > sizes[1]
        return unique_top and sizes[0] / answered >= self.config.agreement - 1e-9

    async def _refine(self, run: _Run, number: int) -> RoundRecord:
        ok = [c for c in run.candidates if c.ok]
        revisions = await refine_round(
            run.base,
            [c.model for c in ok],
            [c.text for c in ok],
            self.answer,
            self.rng,
            seconds=self.config.answer_timeout,
            hide=run.hide,
            max_chars=self.config.ballot_chars,
        )
        texts: list[str | None] = [None] * len(run.candidates)
        moved: list[int] = []
        norm = self.config.grouping.normalize
        for c, rev in zip(ok, revisions, strict=True):
            extra = rev.answer.cost if rev.answer else 0.0
            usage = _add_usage(c.usage, rev.answer.usage if rev.answer else None)
            new = c.text
            if rev.text is not None:
                texts[c.id] = new = rev.text
                if changed(c.text, rev.text, norm):
                    moved.append(c.id)
            run.candidates[c.id] = dataclasses.replace(
                c, text=new, usage=usage, cost=c.cost + extra
            )
        return RoundRecord(number, tuple(texts), tuple(moved), 0)

    def _weight(self, model: str) -> float:
        c = self.config
        return voter_weight(model, c.weights, c.mix, c.record_weight)

    def _fallback_weight(self, model: str) -> float:
        if self.config.weights != "equal":
            return self._weight(model)
        return voter_weight(model, "mix", self.config.mix) if self.config.mix else 1.0

    def _fallback(
        self,
        done: Callable[..., ConsensusRecord],
        pool: Sequence[Candidate],
        among: Sequence[str],
        why: str,
        **extra: object,
    ) -> ConsensusRecord:
        picked, how = arb.fallback_pick(self.config.fallback, pool, among, self._fallback_weight)
        if picked is None:
            return done(status="failed", reason=f"{why}; {how}", **extra)
        return done(
            status="decided", winner=picked, decided_by="fallback", reason=f"{why}; {how}", **extra
        )

    async def _vote_and_decide(
        self, run: _Run, groups: Sequence[Group], done: Callable[..., ConsensusRecord]
    ) -> ConsensusRecord:
        c = self.config
        tally = Tally([g.label for g in groups], c.voting, c.margin)
        voters = list(dict.fromkeys(c.voters or [x.model for x in run.candidates if x.ok]))
        poll = await poll_voters(
            self.vote,
            voters,
            [self._weight(v) for v in voters],
            run.prompt,
            groups,
            tally,
            self.rng,
            concurrency=c.vote_concurrency,
            per_vote=c.vote_timeout,
            overall=c.voting_timeout,
            hide=run.hide,
            max_chars=c.ballot_chars,
        )
        votes, skipped, timed_out = poll.votes, poll.skipped, poll.timed_out
        run.cost += sum(v.cost for v in votes)
        out = tally.outcome()
        voted: dict[str, object] = dict(
            votes=tuple(votes),
            skipped_voters=skipped,
            method=c.voting,
            scores=out.scores,
            margin=out.margin if tally.counted else None,
        )
        ok = [x for x in run.candidates if x.ok]
        if timed_out or not tally.counted or (out.winner is None and not out.contested):
            why = "voting timed out" if timed_out else "no vote could be counted"
            return self._fallback(done, ok, (), why, **voted)
        if not out.low_margin:
            why = f"{c.voting} vote, margin {out.margin:.0%}"
            return done(status="decided", winner=out.winner, decided_by="vote", reason=why, **voted)
        voted["low_margin"] = True
        what = "tie" if out.tie else f"low margin ({out.margin:.0%})"
        model = c.arbiter.pick(run.role, run.tags) if c.arbiter else None
        verdict = None
        if model is not None:
            contested = [g for g in groups if g.label in out.contested]
            verdict = await arb.ask_arbiter(
                model,
                run.prompt,
                contested,
                self.vote,
                self.rng,
                seconds=c.vote_timeout,
                hide=run.hide,
                max_chars=c.ballot_chars,
            )
            run.cost += verdict.cost
            voted["arbiter"] = verdict
            if verdict.choice is not None:
                why = f"{what} between {', '.join(out.contested)}; the arbiter picked it"
                return done(
                    status="decided",
                    winner=verdict.choice,
                    decided_by="arbiter",
                    reason=why,
                    **voted,
                )
        if c.human:
            why = f"{what} between {', '.join(out.contested)}"
            if verdict is not None:
                why += f"; the arbiter could not settle it ({verdict.error})"
            waiting = NeedsHuman(out.contested, why)
            return done(status="needs_human", needs_human=waiting, reason=why, **voted)
        if out.winner is not None:
            why = f"{c.voting} vote, {what}, nobody to arbitrate: the vote stands"
            return done(status="decided", winner=out.winner, decided_by="vote", reason=why, **voted)
        return self._fallback(done, ok, out.contested, f"{what}, nobody to arbitrate", **voted)

    async def _review(self, run: _Run, models: Sequence[str]) -> ConsensusRecord:
        author = models[0]
        reviewers = list(self.config.voters or models[1:])
        run.candidates = await self._answers(run, [author])
        if not run.candidates[0].ok:
            return self._finish(run, (), mode="review", status="failed", reason="no answer")
        text = run.candidates[0].text
        run.candidates[0] = dataclasses.replace(run.candidates[0], group="A")
        messages = review_messages(
            run.prompt, text, hide=run.hide, max_chars=self.config.ballot_chars
        )

        reviews = await run_reviews(self.vote, reviewers, messages, self.config.vote_timeout)
        run.cost += sum(r.cost for r in reviews)
        scores = [r.score for r in reviews if r.score is not None]
        quality = {author: float(statistics.fmean(scores))} if scores else {}
        why = f"{len(scores)} of {len(reviews)} reviews scored it" if reviews else "no reviewers"
        group = Group("A", (0,), text)
        return self._finish(
            run,
            (group,),
            mode="review",
            status="decided",
            winner=group,
            decided_by="review",
            reviews=reviews,
            quality=quality,
            reason=why,
        )

    def _finish(
        self,
        run: _Run,
        groups: Sequence[Group],
        *,
        winner: Group | str | None = None,
        mode: str = "consensus",
        **fields: object,
    ) -> ConsensusRecord:
        chosen = next((g for g in groups if g.label == winner), None)
        if isinstance(winner, Group):
            chosen = winner
        cost = run.cost + sum(c.cost for c in run.candidates)
        return ConsensusRecord(
            mode="review" if mode == "review" else "consensus",
            decision=chosen.text if chosen else None,
            winner=chosen.label if chosen and mode != "review" else None,
            candidates=tuple(run.candidates),
            groups=tuple(groups),
            cost=cost,
            **fields,  # type: ignore[arg-type]
        )
