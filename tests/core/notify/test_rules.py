"""The attention rules and the digest, fed events by hand: what is told, once, with the one
command that answers it; what waits (the room's title); folding and the rate limit."""

from __future__ import annotations

from swarm_tui.config.notify import EVENTS
from swarm_tui.core.notify import Alert, Attention, Digest, Waiting
from swarm_tui.domain.events import (
    AttemptEnded,
    AttemptStarted,
    BreakerChanged,
    BudgetChanged,
    ConflictChanged,
    FlagChanged,
    TaskChanged,
)
from swarm_tui.domain.models import TaskState


def rules(**kw: object) -> Attention:
    chains = {"qa": ["p1/m1", "p2/m1"], "solo": ["p2/m1"]}
    args: dict[str, object] = {"kinds": EVENTS, "failing_after": 3, "config": "/etc/s.toml"}
    return Attention(chains, **{**args, **kw})  # type: ignore[arg-type]


def test_a_vote_is_told_once_with_the_command_that_settles_it() -> None:
    a = rules()
    [alert] = a.vote(7, "Pick a colour", ["A", "B"], "the vote tied")
    assert alert.key == "vote:7"
    assert "task #7" in alert.text and "Pick a colour" in alert.text and "A, B" in alert.text
    assert alert.command == "swarm-tui decide 7 A"
    assert a.vote(7, "Pick a colour", ["A", "B"], "the vote tied") == []
    assert a.waiting.title() == "swarm-tui: 1 vote waits"
    a.feed(ConflictChanged(7, "decided"))
    assert a.waiting.title() == "swarm-tui"


def test_a_cancelled_vote_stops_waiting() -> None:
    a = rules()
    a.vote(7, "", ["A", "B"], "")
    a.vote(8, "", ["A", "B"], "")
    a.approvals_waiting({1: "task #9: qa wants to run fs__write"})
    assert a.waiting.title() == "swarm-tui: 2 votes, 1 approval wait"
    a.feed(TaskChanged(7, TaskState.CANCELLED))
    assert a.waiting.votes == 1


def test_approvals_are_told_when_new_and_forgotten_when_answered() -> None:
    a = rules()
    [first] = a.approvals_waiting({4: "task #2: qa wants to run fs__write (policy is ask)"})
    assert first.key == "approval:4" and first.command == "press t in the control room"
    assert a.approvals_waiting({4: "same"}) == []
    [second] = a.approvals_waiting({4: "same", 5: "task #3: qa wants to run git__push"})
    assert second.key == "approval:5"
    assert a.approvals_waiting({}) == [] and a.waiting.approvals == 0


def test_an_agent_is_down_when_every_model_of_its_chain_is_behind_a_breaker() -> None:
    a = rules()
    assert a.feed(BreakerChanged("p1/m1", "open", "3 failures")) == []
    alerts = a.feed(BreakerChanged("p2/m1", "open", "auth error"))
    assert {x.key for x in alerts} == {"breakers:qa", "breakers:solo"}
    assert all(x.command == "swarm-tui doctor" for x in alerts)
    assert "p1/m1, p2/m1" in next(x.text for x in alerts if x.key == "breakers:qa")
    # Half-open is still down (a trial call, not a recovery): not told again.
    assert a.feed(BreakerChanged("p2/m1", "half_open", "cooldown over")) == []
    assert a.waiting.agents_down == ("qa", "solo")
    a.feed(BreakerChanged("p2/m1", "closed", "trial succeeded"))
    assert a.waiting.agents_down == ()
    assert a.waiting.title() == "swarm-tui"


def test_a_task_failing_again_and_again_is_told_at_the_threshold_only() -> None:
    a = rules()
    told = []
    for n in range(1, 6):
        a.feed(AttemptStarted(3, n, n, "qa", "p1", "m1", ""))
        told += a.feed(AttemptEnded(3, n, "failed", f"HTTP 500 #{n}", 1.0))
    [alert] = told
    assert alert.key == "failing:3" and "failed 3 times" in alert.text and "#3" in alert.text
    assert a.feed(AttemptEnded(4, 9, "stopped", None, 1.0)) == []


def test_a_budget_stop_says_which_key_raises_it_and_clears_with_its_flag() -> None:
    a = rules()
    stop = BudgetChanged("run", 5.0, 5.0, 100.0, True, "run budget $5.00 spent")
    [alert] = a.feed(stop)
    assert "[budget] run_usd in /etc/s.toml" in alert.command
    assert a.feed(stop) == []
    assert a.waiting.title() == "swarm-tui: budget stop"
    a.feed(FlagChanged("budget_stop:run", None))
    assert a.waiting.budget_stops == ()
    [role] = a.feed(BudgetChanged("role:qa", 1.0, 1.0, 100.0, True, "qa budget spent"))
    assert "[budget.role_usd] qa" in role.command
    [task] = a.feed(BudgetChanged("task:4", 1.0, 1.0, 100.0, True, "task budget spent"))
    assert "resume task #4" in task.command
    a.feed(TaskChanged(4, TaskState.QUEUED, "resumed"))
    assert a.waiting.budget_stops == ("role:qa",)
    assert a.feed(BudgetChanged("run", 4.0, 5.0, 80.0, False, "80%")) == []


def test_the_queue_drains_only_after_work_ran_and_nothing_is_left() -> None:
    a = rules()
    assert not a.drain_check
    a.feed(AttemptStarted(1, 1, 1, "qa", "p1", "m1", ""))
    assert not a.drain_check  # still running
    a.feed(AttemptEnded(1, 1, "succeeded", None, 1.0))
    assert a.drain_check
    assert a.queue_left({"queued": 1, "succeeded": 1}) == []
    assert a.queue_left({"needs_vote": 1, "succeeded": 1}) == []
    [alert] = a.queue_left({"succeeded": 4, "failed": 1})
    assert "4 succeeded" in alert.text and alert.command.startswith("swarm-tui report")
    assert not a.drain_check and a.waiting.title() == "swarm-tui: queue drained"
    a.feed(AttemptStarted(2, 2, 1, "qa", "p1", "m1", ""))
    assert a.waiting.title() == "swarm-tui"


def test_kinds_not_wanted_are_tracked_but_not_told() -> None:
    a = rules(kinds=["vote"])
    assert a.feed(BudgetChanged("run", 5.0, 5.0, 100.0, True, "spent")) == []
    assert a.waiting.budget_stops == ("run",)
    assert len(a.vote(1, "", ["A", "B"], "")) == 1


def test_titles() -> None:
    assert Waiting().title() == "swarm-tui"
    assert Waiting(approvals=2).title() == "swarm-tui: 2 approvals wait"
    both = Waiting(votes=1, budget_stops=("run",), agents_down=("qa",))
    assert both.title() == "swarm-tui: 1 vote waits · budget stop · qa down"


def _alert(key: str) -> Alert:
    return Alert(key.split(":")[0], key, f"about {key}", f"answer {key}")


def test_the_first_alert_goes_at_once_and_repeats_within_the_window_fold() -> None:
    d = Digest(window=60.0)
    d.add([_alert("vote:7")], now=0.0)
    first = d.take(0.0)
    assert first is not None and first.body == "about vote:7\n-> answer vote:7"
    assert first.title == "swarm-tui: a vote waits"
    d.add([_alert("vote:7")] * 4, now=10.0)  # the same thing again: already told
    assert d.due() is None and d.folded == 4
    d.add([_alert("failing:3"), _alert("failing:3"), _alert("drained")], now=20.0)
    assert d.take(30.0) is None  # the window since the first is still open
    assert d.due() == 60.0
    digest = d.take(60.0)
    assert digest is not None and digest.title == "swarm-tui: 2 things need you"
    assert digest.body.splitlines() == [
        "about failing:3 (x2)", "-> answer failing:3", "about drained", "-> answer drained",
    ]  # fmt: skip
    d.add([_alert("vote:7")], now=130.0)  # a window after it was told: told again
    assert d.take(130.0) is not None


def test_force_sends_what_waits_at_the_end() -> None:
    d = Digest(window=60.0)
    d.add([_alert("vote:1")], now=0.0)
    assert d.take(0.0) is not None
    d.add([_alert("vote:2")], now=1.0)
    assert d.take(2.0) is None
    forced = d.take(2.0, force=True)
    assert forced is not None and "vote:2" in forced.body
    assert d.take(3.0, force=True) is None


def test_a_vote_the_lookup_cannot_describe_is_still_told() -> None:
    a = rules()
    [alert] = a.vote(9, "", (), "models disagree")
    assert alert.text.startswith("task #9 waits for your vote: models disagree")
    assert alert.command == "swarm-tui decide 9 A"
