"""Consensus runs: several models answer, agreement is measured, the models vote, an arbiter
or the human settles what the vote cannot, and a record keeps it all.

The orchestrator builds a :class:`ConsensusConfig`, wraps its providers in two async
callables (``answer`` and ``vote``) and calls :meth:`ConsensusEngine.run`; the returned
:class:`ConsensusRecord` says what was decided and by whom (``status == "needs_human"``: the
task waits in ``needs_vote`` until :func:`resolve_by_human`). Headless: no Textual here.
"""

from __future__ import annotations

from swarm_tui.core.consensus.arbitrate import fallback_pick, resolve_by_human
from swarm_tui.core.consensus.ballot import Ballot, ParseError, Vote, make_ballot, parse_vote
from swarm_tui.core.consensus.config import (
    ArbiterConfig,
    ConsensusConfig,
    Fallback,
    Mode,
    models_from_mix,
)
from swarm_tui.core.consensus.engine import AnswerFn, ConsensusEngine, VoteFn
from swarm_tui.core.consensus.normalize import (
    CheckerConfig,
    GroupingConfig,
    NormalizeOptions,
    group_answers,
    normalize,
)
from swarm_tui.core.consensus.record import (
    Answer,
    ArbiterRecord,
    Candidate,
    ConsensusRecord,
    DecidedBy,
    Group,
    NeedsHuman,
    Review,
    RoundRecord,
    Status,
    VoteRecord,
)
from swarm_tui.core.consensus.review import parse_score
from swarm_tui.core.consensus.tally import Tally, VotingMethod, WeightPolicy, voter_weight

__all__ = [
    "Answer",
    "AnswerFn",
    "ArbiterConfig",
    "ArbiterRecord",
    "Ballot",
    "Candidate",
    "CheckerConfig",
    "ConsensusConfig",
    "ConsensusEngine",
    "ConsensusRecord",
    "DecidedBy",
    "Fallback",
    "Group",
    "GroupingConfig",
    "Mode",
    "NeedsHuman",
    "NormalizeOptions",
    "ParseError",
    "Review",
    "RoundRecord",
    "Status",
    "Tally",
    "Vote",
    "VoteFn",
    "VoteRecord",
    "VotingMethod",
    "WeightPolicy",
    "fallback_pick",
    "group_answers",
    "make_ballot",
    "models_from_mix",
    "normalize",
    "parse_score",
    "parse_vote",
    "resolve_by_human",
    "voter_weight",
]
