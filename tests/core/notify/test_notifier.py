"""The notifier over a real orchestrator and ledger, sending through apprise (``json://``) to a
loopback HTTP stand-in that records every POST: a vote that waits is told once with the
command that settles it; what follows within the window is folded into one digest; a URL
that fails does not stop the run; the URL's secret never reaches the log."""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
from typing import cast

import pytest

from swarm_tui.config import ConsensusSettings, NotifyConfig, Settings
from swarm_tui.core.notify import Notifier
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.toolloop import ToolHost
from swarm_tui.domain.events import ConflictChanged
from swarm_tui.domain.models import TaskMode, TaskSpec, TaskState
from tests.conftest import OrchFactory, make_settings
from tests.fakes import FakeProvider, Script
from tests.providers.loopback import LoopbackServer, Recorded, json_reply
from tests.tui.test_pilot_approvals import NoHost
from tests.tui.test_pilot_voting import own_answer


def settings_with(*urls: str, **notify: object) -> Settings:
    base = make_settings(heartbeat_seconds=3600, lease_seconds=7200)
    config = NotifyConfig(urls=list(urls), **{"urls_env": None, **notify})  # type: ignore[arg-type]
    return base.model_copy(update={"consensus": ConsensusSettings(n=2), "notify": config})


def tied_orchestrator(make_orch: OrchFactory, settings: Settings) -> Orchestrator:
    providers = {"p1": FakeProvider("p1"), "p2": FakeProvider("p2")}
    providers["p1"].script = own_answer("Red")  # type: ignore[assignment]
    providers["p2"].script = own_answer("Blue")  # type: ignore[assignment]
    return make_orch(settings, providers)


async def tie(orch: Orchestrator, prompt: str) -> int:
    [(task, _)] = await orch.submit([TaskSpec(prompt=prompt, role="a", mode=TaskMode.CONSENSUS)])
    await orch.run(until_idle=True)
    assert (await orch.task(task.id)).state == TaskState.NEEDS_VOTE
    return task.id


async def received(server: LoopbackServer, n: int, path: str = "/hook") -> list[Recorded]:
    """Wait (bounded) until ``n`` notifications reached ``path``. The bound is generous:
    apprise loads its few hundred plugins on first use, slow on a busy machine."""
    async with asyncio.timeout(90):
        while len(hits := [r for r in server.requests if r.path == path]) < n:
            await asyncio.sleep(0.01)
    return hits


def json_url(server: LoopbackServer, path: str = "/hook") -> str:
    return server.url.replace("http://", "json://") + path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_waiting_vote_sends_one_notification_naming_the_task_and_command(
    make_orch: OrchFactory,
) -> None:
    async with LoopbackServer() as server:
        server.route("POST", "/hook", json_reply(200, {}))
        settings = settings_with(json_url(server))
        orch = tied_orchestrator(make_orch, settings)
        notifier = Notifier(orch, settings)
        notifier.start()
        task_id = await tie(orch, "Which colour?")
        [hit] = await received(server, 1)
        record = await orch.consensus_record(task_id)
        assert record is not None and record.needs_human is not None
        first = record.needs_human.contested[0]
        body = hit.json()
        assert body["title"] == "swarm-tui: a vote waits"
        message = str(body["message"])
        assert f"task #{task_id}" in message and "Which colour?" in message
        assert f"-> swarm-tui decide {task_id} {first}" in message
        assert body["type"] == "warning"
        await notifier.aclose()
        assert len(server.requests) == 1  # nothing else was waiting


async def test_what_comes_within_the_window_is_folded_into_one_digest(
    make_orch: OrchFactory,
) -> None:
    async with LoopbackServer() as server:
        server.route("POST", "/hook", json_reply(200, {}))
        settings = settings_with(json_url(server), window_seconds=3600.0)
        orch = tied_orchestrator(make_orch, settings)
        notifier = Notifier(orch, settings)
        notifier.start()
        first = await tie(orch, "Which colour?")
        await received(server, 1)
        for _ in range(3):  # the same vote again (a second room, a replayed event)
            orch.bus.publish(ConflictChanged(first, "needs_human", "tied"))
        second = await tie(orch, "Which colour, again?")
        third = await tie(orch, "And once more?")
        await notifier.aclose()  # the window is still open: what waits goes now, as one
        hits = await received(server, 2)
        assert len(server.requests) == 2
        digest = hits[1].json()
        assert digest["title"] == "swarm-tui: 2 things need you"
        text = str(digest["message"])
        assert f"task #{second}" in text and f"task #{third}" in text
        assert f"task #{first}" not in text


async def test_the_digest_leaves_when_the_window_ends(make_orch: OrchFactory) -> None:
    async with LoopbackServer() as server:
        server.route("POST", "/hook", json_reply(200, {}))
        settings = settings_with(json_url(server), window_seconds=0.5)
        orch = tied_orchestrator(make_orch, settings)
        notifier = Notifier(orch, settings)
        notifier.start()
        await tie(orch, "Which colour?")
        await received(server, 1)
        second = await tie(orch, "Which colour, again?")
        [_, later] = await received(server, 2)  # no close: the window's end sends it
        assert f"task #{second}" in str(later.json()["message"])
        await notifier.aclose()


async def test_a_failing_url_does_not_stop_the_run_nor_the_other_urls(
    make_orch: OrchFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with LoopbackServer() as server:
        server.route("POST", "/hook", json_reply(200, {}))
        server.route("POST", "/broken", json_reply(500, {"error": "down"}))
        refused = f"json://127.0.0.1:{closed_port()}/hook"
        settings = settings_with(refused, json_url(server, "/broken"), json_url(server))
        orch = tied_orchestrator(make_orch, settings)
        notifier = Notifier(orch, settings)
        notifier.start()
        task_id = await tie(orch, "Which colour?")
        [hit] = await received(server, 1)
        assert f"task #{task_id}" in str(hit.json()["message"])
        await received(server, 1, "/broken")
        async with asyncio.timeout(90):
            while notifier.sender.failed < 2:
                await asyncio.sleep(0.01)
        # The run goes on: a plain task still runs to the end.
        orch.providers["p1"].script = lambda _r: Script()  # type: ignore[attr-defined]
        [(plain, _)] = await orch.submit([TaskSpec(prompt="plain", role="c")])
        await orch.run(until_idle=True)
        assert (await orch.task(plain.id)).state == TaskState.SUCCEEDED
        await notifier.aclose()
        assert notifier.sender.sent >= 1
        assert "[notify] urls[0] (json)" in caplog.text
        assert "[notify] urls[1] (json)" in caplog.text


async def test_the_urls_secret_never_reaches_the_log(
    make_orch: OrchFactory, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "tok" + secrets.token_hex(12)
    password = "pw" + secrets.token_hex(12)
    monkeypatch.setenv("NOTIFY_TOKEN", token)
    caplog.set_level(logging.DEBUG)  # apprise and urllib3 quote URLs at debug level
    async with LoopbackServer() as server:
        server.route("POST", f"/hook/{token}", json_reply(200, {}))
        server.route("POST", "/env", json_reply(503, {}))
        host = server.url.removeprefix("http://")
        monkeypatch.setenv("MY_NOTIFY_URLS", f"json://me:{password}@{host}/env")
        urls = [json_url(server, "/hook/${NOTIFY_TOKEN}")]
        urls.append(f"json://127.0.0.1:{closed_port()}/x/${{NOTIFY_TOKEN}}")
        settings = settings_with(*urls, urls_env="MY_NOTIFY_URLS")
        orch = tied_orchestrator(make_orch, settings)
        notifier = Notifier(orch, settings)
        notifier.start()
        await tie(orch, "Which colour?")
        await received(server, 1, f"/hook/{token}")  # the reference was expanded
        [env_hit] = await received(server, 1, "/env")
        assert env_hit.headers["authorization"].startswith("Basic ")
        await notifier.aclose()
    assert notifier.sender.failed == 2
    assert "Socket Exception" in caplog.text or "Connection error" in caplog.text
    assert "$MY_NOTIFY_URLS URL 1 (json)" in caplog.text
    assert token not in caplog.text
    assert password not in caplog.text


async def test_a_url_whose_variable_is_not_set_is_named_and_skipped(
    make_orch: OrchFactory, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOT_SET_TOKEN", raising=False)
    settings = settings_with("ntfy://ntfy.example/${NOT_SET_TOKEN}")
    notifier = Notifier(tied_orchestrator(make_orch, settings), settings)
    notifier.start()
    assert not notifier.active
    await notifier.aclose()
    assert "[notify] urls[0] (ntfy) needs $NOT_SET_TOKEN, which is not set" in caplog.text


async def test_a_tool_call_held_for_approval_is_told_with_where_to_answer_it(
    make_orch: OrchFactory,
) -> None:
    async with LoopbackServer() as server:
        server.route("POST", "/hook", json_reply(200, {}))
        settings = settings_with(json_url(server))
        orch = make_orch(settings)
        gate = orch.attach_tools(cast(ToolHost, NoHost()), interactive=True)
        notifier = Notifier(orch, settings)
        notifier.start()
        held = asyncio.create_task(
            gate.decide("a", "files__read", "hash-1", {"path": "/etc/hosts"}, task_id=7)
        )
        [hit] = await received(server, 1)
        body = hit.json()
        assert body["title"] == "swarm-tui: an approval waits"
        message = str(body["message"])
        assert "task #7: a wants to run files__read" in message
        assert "-> press t in the control room" in message
        [pending] = orch.pending_approvals()
        assert orch.deny(pending.id)
        assert not (await held).allowed
        await notifier.aclose()
