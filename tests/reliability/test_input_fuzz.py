"""Bad input from models and agent CLIs, fuzzed: tool arguments, streamed JSON lines and the
CLIs' event streams. Never a traceback: a clear ProviderError (or a refusal the model reads),
and whatever was good in the input still comes through.

Config files, task files, command lines and vote/score replies are fuzzed where they live:
tests/test_config_errors.py, tests/core/test_taskfile.py, tests/reliability/test_cli_fuzz.py
and tests/core/consensus/test_parsing.py. Theme files: tests/reliability/test_theme_fuzz.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarm_tui.config import CLIConfig, ModelConfig, ProviderConfig
from swarm_tui.domain.redact import Redactor
from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    ProviderError,
    ReasoningDelta,
    Session,
    StreamRequest,
    TextDelta,
    ToolCall,
    ToolResult,
    Usage,
    parse_arguments,
)
from swarm_tui.providers.cli.base import CLIProvider, _decode
from swarm_tui.providers.cli.claude import ClaudeDialect, QwenDialect
from swarm_tui.providers.cli.codex import CodexDialect
from swarm_tui.providers.cli.copilot import CopilotDialect
from swarm_tui.providers.cli.gemini_cli import GeminiCLIDialect
from swarm_tui.providers.errors import decode_object
from swarm_tui.providers.toolcalls import ToolCallAccumulator

FUZZ = settings(max_examples=120, deadline=None)
DEEP = ("[" * 50_000, '{"a":' * 50_000, '{"text": ' + "[" * 5_000 + "]" * 5_000 + "}")

_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
json_values = st.recursive(
    _leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=25,
)


# ---- tool arguments a model produces ------------------------------------------------------


@FUZZ
@given(st.one_of(st.text(max_size=200), json_values.map(json.dumps), st.sampled_from(DEEP)))
def test_tool_arguments_parse_to_an_object_or_a_clear_problem(text: str) -> None:
    arguments, problem = parse_arguments(text)
    assert isinstance(arguments, dict)
    if problem is None:
        assert arguments == ({} if not text.strip() else json.loads(text))
    else:
        assert arguments == {} and problem.startswith("arguments ")


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.one_of(st.none(), st.text(max_size=6), st.integers()),
            st.one_of(st.none(), st.text(max_size=6), st.integers()),
            st.one_of(st.none(), st.text(max_size=12), st.sampled_from(['{"a": ', "1}", "]"])),
        ),
        max_size=12,
    )
)
def test_streamed_tool_call_pieces_always_give_whole_calls(
    pieces: list[tuple[int, object, object, object]],
) -> None:
    acc = ToolCallAccumulator()
    for key, id_, name, args in pieces:
        acc.add(key, id=id_, name=name, arguments=args)
    calls = acc.drain()
    assert len(calls) == len({key for key, *_ in pieces})  # one call per index, none lost
    for call in calls:
        assert isinstance(call, ToolCall) and call.id and call.name
        assert isinstance(call.arguments, dict)
        assert call.invalid is None or call.arguments == {}


@FUZZ
@given(st.one_of(st.text(max_size=200), json_values.map(json.dumps), st.sampled_from(DEEP)))
def test_streamed_json_lines_decode_or_fail_clearly(text: str) -> None:
    try:
        data = decode_object("p", text, Redactor.of("sk-secret-key"))
    except ProviderError as exc:
        assert exc.retryable and exc.kind == "malformed" and str(exc).startswith("p: ")
    else:
        assert isinstance(data, dict)


# ---- agent CLIs' event streams -----------------------------------------------------------

DIALECTS = [ClaudeDialect, QwenDialect, CodexDialect, CopilotDialect, GeminiCLIDialect]
EVENT_TYPES = [
    "system", "assistant", "user", "result", "init", "message", "tool_use", "tool_result",
    "thread.started", "item.completed", "turn.completed", "error", "assistant.message",
    "assistant.message_delta", "session.error", "tool.execution_start",
    "tool.execution_complete", "agent_message", "reasoning", "command_execution",
    "mcp_tool_call",
]  # fmt: skip
KEYS = [
    "type", "subtype", "session_id", "message", "content", "text", "result", "is_error",
    "usage", "total_cost_usd", "stop_reason", "errors", "item", "thread_id", "data",
    "deltaContent", "toolCallId", "toolName", "arguments", "status", "stats", "role",
    "input_tokens", "output_tokens", "cached_input_tokens", "tool_id", "tool_name",
    "parameters", "output", "exitCode", "delta", "id", "name", "input",
]  # fmt: skip
_shaped = st.recursive(
    _leaf | st.sampled_from(EVENT_TYPES),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)
    ),
    max_leaves=30,
)
events = st.builds(
    lambda kind, rest: {"type": kind, **rest},
    st.sampled_from(EVENT_TYPES),
    st.dictionaries(st.sampled_from(KEYS), _shaped, max_size=6),
)


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    """One stdout line: an event, a truncated event, junk, or something nested too deeply."""
    text = json.dumps(draw(events))
    how = draw(st.sampled_from(["whole", "whole", "cut", "junk", "deep"]))
    if how == "cut":
        text = text[: draw(st.integers(0, max(0, len(text) - 1)))]
    elif how == "junk":
        text = draw(st.text(max_size=40))
    elif how == "deep":
        text = draw(st.sampled_from(DEEP))
    return text.encode("utf-8", errors="replace") + b"\n"


KNOWN = (TextDelta, ReasoningDelta, ToolCall, ToolResult, Session, Usage, Done)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dialect=st.sampled_from(DIALECTS),
    stream=st.lists(lines(), max_size=12),
    code=st.sampled_from([0, 0, 1, 137]),
)
def test_cli_event_streams_give_events_or_a_clear_error(
    tmp_path_factory: pytest.TempPathFactory, dialect: type, stream: list[bytes], code: int
) -> None:
    parser = dialect("agent")
    out = []
    for line in stream:
        obj = _decode(line)
        if obj is not None:
            out += parser.feed(obj)
    try:
        out += parser.finish(code, tmp_path_factory.mktemp("scratch"))
    except ProviderError as exc:
        assert str(exc).startswith("agent: ")
    else:
        assert code == 0 and isinstance(out[-1], Done) and isinstance(out[-2], Usage)
    for event in out:
        assert isinstance(event, KNOWN), event
        if isinstance(event, TextDelta | ReasoningDelta):
            assert isinstance(event.text, str)
        if isinstance(event, ToolCall):
            assert isinstance(event.arguments, dict)


FAKE_CLI = """\
import json, sys
print("Welcome banner, not JSON")
print('{"type": "system", "subtype": "init", "session_id": "s1"}')
print('{"type": "assistant", "message": {"content": [{"type": "text", "text": "kept"}]}}')
print('{"type": "assistant", "message": {"content": [{"type": "te')
print('{"a": ' * 100000)
print('{"type": "result", "subtype": "success", "result": "kept", "usage": {"input_tokens": 1}}')
"""


async def test_a_real_cli_process_writing_broken_lines(tmp_path: Path) -> None:
    script = tmp_path / "fake_claude.py"
    script.write_text(FAKE_CLI)
    wrapper = tmp_path / "claude"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} {script}\n")
    wrapper.chmod(0o755)
    config = ProviderConfig(
        kind="claude-code", cli=CLIConfig(binary=str(wrapper)), models={"m": ModelConfig()}
    )
    provider = CLIProvider("claude", config, ClaudeDialect, log_dir=tmp_path / "logs")
    request = StreamRequest("m", (ChatMessage("user", "hi"),), 16)
    got = [e async for e in provider.stream(request)]
    assert got[0] == Session("s1")
    assert [e.text for e in got if isinstance(e, TextDelta)] == ["kept"]
    assert isinstance(got[-1], Done)
    log = (tmp_path / "logs" / "claude-cli.log").read_text()
    assert "Welcome banner" in log and '"te' in log  # kept for a human, not lost
