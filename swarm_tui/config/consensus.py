"""Consensus and review runs (``[consensus]``): who answers, how answers are grouped, who
votes and how, refinement rounds, the arbiter, the human and the fallback.

A task submitted with ``mode = "consensus"`` or ``mode = "review"`` runs under these
settings; ``[consensus.roles.NAME]`` overrides any of them for the agent ``NAME``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from swarm_tui.config.base import Strict
from swarm_tui.config.errors import Loc, config_problems

__all__ = ["ConsensusSettings"]


class ConsensusSettings(Strict):
    """How consensus and review tasks run."""

    n: Annotated[int, Field(ge=1, le=9)] = 3
    """Models that answer a consensus task, taken from the agent's mix, heaviest first (a
    mix smaller than ``n`` repeats models: the same model answering twice is
    self-consistency). Review mode: the first is the author, the others review."""
    models: list[str] = Field(default_factory=list)
    """Explicit ``"provider/model"`` list that answers instead of ``n`` from the mix."""
    agreement: Annotated[float, Field(gt=0, le=1)] = 1.0
    """Share of the answers the largest group needs to be accepted without a vote (1.0:
    all of them)."""
    grouping: Literal["exact", "json", "checker", "similarity"] = "exact"
    """How answers count as the same: equal after normalising whitespace and code fences,
    equal as canonical JSON, by the ``checker`` command's exit code, or by text similarity."""
    similarity: Annotated[float, Field(gt=0, le=1)] = 0.9
    """``similarity`` grouping: the ratio at or above which two answers are the same."""
    checker: list[str] = Field(default_factory=list)
    """``checker`` grouping: the command (argv); an argument ``{file}`` is replaced by a temp
    file holding the answer, otherwise the answer goes to its standard input. Exit 0 passes."""
    checker_timeout_s: Annotated[float, Field(gt=0)] = 30.0
    """Seconds the checker may take per answer; a longer run is killed and fails."""
    checker_suffix: Annotated[str, Field(pattern=r"^\.[A-Za-z0-9]{1,8}$")] = ".txt"
    """Suffix of the checker's temp file (``".py"`` for a checker that imports it)."""
    voting: Literal["plurality", "borda"] = "plurality"
    """How votes are counted when answers disagree."""
    weights: Literal["equal", "mix", "record"] = "equal"
    """Weight of each vote: equal, the voter's weight in the agent's mix, or its record
    (votes won and review scores so far)."""
    voters: list[str] = Field(default_factory=list)
    """``"provider/model"`` voters (review mode: reviewers); empty: the answering models."""
    vote_concurrency: Annotated[int, Field(ge=1, le=16)] = 1
    """Voters asked at once; 1 lets the early stop save the most calls."""
    rounds: Annotated[int, Field(ge=0, le=5)] = 0
    """Refinement rounds before the vote: candidates see each other's answers and may revise."""
    arbiter: str | None = None
    """The expert ``"provider/model"`` that settles ties and low margins."""
    arbiter_by_role: dict[str, str] = Field(default_factory=dict)
    """Arbiter per agent name (overrides ``arbiter``)."""
    arbiter_by_tag: dict[str, str] = Field(default_factory=dict)
    """Arbiter per task tag (overrides the others; the task's first listed tag wins)."""
    human: bool = True
    """Ties and low margins no arbiter settles wait for you (the task shows ``needs_vote``
    and the voting pane, ``v``, lists it). Off: the fallback decides."""
    fallback: Literal["highest_weight", "first_finished", "fail"] = "highest_weight"
    """When voting fails or times out, or nobody can settle a tie: the highest-weight model's
    answer, the first finished, or fail the task."""
    margin: Annotated[float, Field(ge=0, lt=1)] = 0.0
    """Low-margin threshold (share of the points cast): below it the arbiter or you decide.
    0: only exact ties."""
    answer_timeout_s: Annotated[float, Field(gt=0)] = 300.0
    """Seconds per candidate answer (and per revision)."""
    vote_timeout_s: Annotated[float, Field(gt=0)] = 120.0
    """Seconds per vote, arbiter call or review."""
    voting_timeout_s: Annotated[float, Field(gt=0)] | None = None
    """Seconds for the whole vote; unset: only the per-vote bound."""
    ballot_chars: Annotated[int, Field(ge=100)] = 6000
    """Longest candidate text put on a ballot (longer ones are cut, with a note)."""
    roles: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Overrides per agent name, e.g. ``[consensus.roles.coder] n = 2`` with
    ``grouping = "checker"``; any key above except ``roles``."""

    @model_validator(mode="after")
    def _check(self) -> ConsensusSettings:
        problems: list[tuple[Loc, str]] = []
        if self.grouping == "checker" and not self.checker:
            problems.append((("checker",), 'grouping = "checker" needs the checker command'))
        for name, override in self.roles.items():
            if "roles" in override:
                problems.append((("roles", name, "roles"), "roles do not nest"))
                continue
            try:
                self.for_role(name)
            except ValidationError as exc:
                for err in exc.errors():
                    problems.append((("roles", name, *err["loc"]), err["msg"]))
            except ValueError as exc:
                problems.append((("roles", name), str(exc)))
        if problems:
            raise config_problems(problems)
        return self

    def for_role(self, name: str) -> ConsensusSettings:
        """These settings with agent ``name``'s overrides applied."""
        override = self.roles.get(name)
        if not override:
            return self
        return ConsensusSettings.model_validate({**self.model_dump(exclude={"roles"}), **override})

    def refs(self) -> list[tuple[Loc, str]]:
        """Every ``provider/model`` named here (for the settings' reference check)."""
        out: list[tuple[Loc, str]] = [(("models", i), r) for i, r in enumerate(self.models)]
        out += [(("voters", i), r) for i, r in enumerate(self.voters)]
        out += [(("arbiter",), self.arbiter)] if self.arbiter else []
        out += [(("arbiter_by_role", k), r) for k, r in self.arbiter_by_role.items()]
        out += [(("arbiter_by_tag", k), r) for k, r in self.arbiter_by_tag.items()]
        for name, override in self.roles.items():
            for key in ("models", "voters"):
                refs = override.get(key)
                if isinstance(refs, list):
                    out += [(("roles", name, key, i), str(r)) for i, r in enumerate(refs)]
            if isinstance(override.get("arbiter"), str):
                out.append((("roles", name, "arbiter"), override["arbiter"]))
        return out
