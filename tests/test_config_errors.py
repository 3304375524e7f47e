"""Broken config files give one clear message: the file, the line, the key, what was expected."""

from __future__ import annotations

import math
import re
import tempfile
import tomllib
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from swarm_tui import config
from swarm_tui.config import ConfigError, Settings, default_settings, load_settings
from swarm_tui.config.errors import find_key_line, looks_like_secret, redact_secrets

BASE = """\
[providers.ollama]
kind = "ollama"

[providers.ollama.models."qwen3:8b"]
context = 8192

[providers.router]
kind = "openai"
base_url = "https://openrouter.ai/api/v1"
api_key_env = "OPENROUTER_API_KEY"

[providers.router.models."anthropic/claude-sonnet-4.5"]
input_per_mtok = 3.0
output_per_mtok = 15.0

[agents.backend]
role = "Writes server code"
max_concurrent = 2

[agents.backend.mix]
"ollama/qwen3:8b" = 0.7
"router/anthropic/claude-sonnet-4.5" = 0.3

[orchestrator]
default_agent = "backend"
"""


MIX_TABLE = BASE[BASE.index("\n[agents.backend.mix]") : BASE.index("\n[orchestrator]")]


def _line_of(text: str, fragment: str) -> int:
    """1-based number of the only line of ``text`` containing ``fragment``."""
    numbers = [i for i, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(numbers) == 1, (fragment, numbers)
    return numbers[0]


def _edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _error(tmp_path: Path, text: str | bytes) -> tuple[Path, str]:
    path = tmp_path / "config.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert "Traceback" not in message
    return path, message


def _assert_reports(message: str, *, line: int, key: str, expected: str) -> None:
    """One line of ``message`` names ``line``, ``key`` and says ``expected``."""
    wanted = f"line {line}: {key}: "
    matching = [m for m in message.splitlines() if wanted in m]
    assert matching, f"no {wanted!r} in:\n{message}"
    assert any(expected in m for m in matching), f"no {expected!r} in:\n{message}"


def test_base_config_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(BASE, encoding="utf-8")
    settings = load_settings(path)
    assert settings.default_agent == "backend"
    assert settings.source == str(path)


# -- reading and parsing -------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=re.escape(f"{path}: no such config file")):
        load_settings(path)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"{tmp_path}: is a directory")):
        load_settings(tmp_path)


def test_non_utf8_file(tmp_path: Path) -> None:
    text = _edit('role = "Writes server code"', 'role = "caf\xe9"').encode("latin-1")
    _, message = _error(tmp_path, text)
    line = _line_of(BASE, "role =")
    assert f"line {line}, column 12: not UTF-8 text (byte 0xe9)" in message


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load_settings(path).default_agent == "backend"


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        ("max_concurrent = 2", "max_concurrent = ", 18),
        ('role = "Writes server code"', 'role = "Writes server code', 27),
        ("context = 8192", "context = 8192 8192", 16),
    ],
)
def test_invalid_toml_names_line_and_column(
    tmp_path: Path, old: str, new: str, column: int
) -> None:
    _, message = _error(tmp_path, _edit(old, new))
    line = _line_of(BASE, old)
    assert f": line {line}, column {column}: not valid TOML: " in message


def test_duplicate_key_is_a_toml_error(tmp_path: Path) -> None:
    text = _edit("max_concurrent = 2", "max_concurrent = 2\nmax_concurrent = 3")
    _, message = _error(tmp_path, text)
    line = _line_of(BASE, "max_concurrent") + 1
    assert re.search(rf": line {line}, column \d+: not valid TOML: .*set twice", message)


# -- keys and types ------------------------------------------------------------------------


def test_unknown_key_typo(tmp_path: Path) -> None:
    _, message = _error(tmp_path, _edit("max_concurrent = 2", "max_concurent = 2"))
    _assert_reports(
        message,
        line=_line_of(BASE, "max_concurrent = 2"),
        key="agents.backend.max_concurent",
        expected="unknown key",
    )


def test_unknown_table(tmp_path: Path) -> None:
    _, message = _error(tmp_path, BASE + "\n[budgets]\nrun_usd = 1.0\n")
    _assert_reports(message, line=len(BASE.splitlines()) + 2, key="budgets", expected="unknown key")


@pytest.mark.parametrize("value", ['"four"', '"2"', "2.5", "true", "[2]"])
def test_wrong_type(tmp_path: Path, value: str) -> None:
    _, message = _error(tmp_path, _edit("max_concurrent = 2", f"max_concurrent = {value}"))
    _assert_reports(
        message,
        line=_line_of(BASE, "max_concurrent = 2"),
        key="agents.backend.max_concurrent",
        expected="Input should be a valid integer",
    )


def test_wrong_type_says_what_was_given(tmp_path: Path) -> None:
    _, message = _error(tmp_path, _edit("max_concurrent = 2", 'max_concurrent = "four"'))
    assert "(got a string)" in message
    assert "four" not in message


def test_unknown_provider_kind(tmp_path: Path) -> None:
    _, message = _error(tmp_path, _edit('kind = "ollama"', 'kind = "mistral"'))
    _assert_reports(
        message,
        line=1 + 1,
        key="providers.ollama.kind",
        expected="Input should be 'ollama', 'openai', 'local', 'anthropic', 'gemini',",
    )


def test_missing_mix(tmp_path: Path) -> None:
    text = _edit(
        MIX_TABLE,
        "",
    )
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=_line_of(text, "[agents.backend]"),
        key="agents.backend.mix",
        expected="required key is missing",
    )


def test_missing_kind(tmp_path: Path) -> None:
    text = _edit('kind = "ollama"\n', "")
    _, message = _error(tmp_path, text)
    _assert_reports(
        message, line=1, key="providers.ollama.kind", expected="required key is missing"
    )


def test_empty_providers_table(tmp_path: Path) -> None:
    text = '[providers]\n\n[agents.a.mix]\n"x/y" = 1.0\n'
    _, message = _error(tmp_path, text)
    _assert_reports(message, line=1, key="providers", expected="must define at least one entry")


def test_missing_providers_table(tmp_path: Path) -> None:
    _, message = _error(tmp_path, '[agents.a.mix]\n"x/y" = 1.0\n')
    assert "[providers] is missing: a file that defines [agents] must define [providers]" in message


def test_a_file_of_other_settings_extends_the_built_in_default(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[orchestrator]\nmax_concurrent = 2\n\n[ui]\ntheme = "swarm-light"\n')
    loaded = load_settings(path)
    builtin = default_settings()
    assert loaded.orchestrator.max_concurrent == 2 and loaded.ui.theme == "swarm-light"
    assert loaded.providers == builtin.providers and loaded.agents == builtin.agents
    assert loaded.default_agent == "generalist" and loaded.source == str(path)


def test_provider_without_models(tmp_path: Path) -> None:
    text = (
        BASE + '\n[providers.groq]\nkind = "openai"\nbase_url = "https://api.groq.com/openai/v1"\n'
    )
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=_line_of(text, "[providers.groq]"),
        key="providers.groq",
        expected="lists no models",
    )


def test_bad_agent_name(tmp_path: Path) -> None:
    text = BASE.replace("[agents.backend", '[agents."back/end"')
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=_line_of(text, '[agents."back/end"]'),
        key='agents."back/end"',
        expected="(no '/')",
    )


# -- the model mix -------------------------------------------------------------------------


@pytest.mark.parametrize(("weight", "shown"), [("0", "0"), ("0.0", "0"), ("-0.5", "-0.5")])
def test_weight_must_be_positive(tmp_path: Path, weight: str, shown: str) -> None:
    text = _edit('"ollama/qwen3:8b" = 0.7', f'"ollama/qwen3:8b" = {weight}')
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=_line_of(BASE, '"ollama/qwen3:8b" = 0.7'),
        key='agents.backend.mix."ollama/qwen3:8b"',
        expected=f"weight must be > 0 (got {shown})",
    )


@pytest.mark.parametrize("weight", ["nan", "inf"])
def test_weight_must_be_finite(tmp_path: Path, weight: str) -> None:
    text = _edit('"ollama/qwen3:8b" = 0.7', f'"ollama/qwen3:8b" = {weight}')
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=_line_of(BASE, '"ollama/qwen3:8b" = 0.7'),
        key='agents.backend.mix."ollama/qwen3:8b"',
        expected="finite number",
    )


def test_empty_mix(tmp_path: Path) -> None:
    text = _edit('"ollama/qwen3:8b" = 0.7\n"router/anthropic/claude-sonnet-4.5" = 0.3\n', "")
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=_line_of(text, "[agents.backend.mix]"),
        key="agents.backend.mix",
        expected="needs at least one 'provider/model' = weight",
    )


@pytest.mark.parametrize("ref", ["qwen3:8b", "ollama/", "/qwen3:8b"])
def test_mix_ref_needs_provider_and_model(tmp_path: Path, ref: str) -> None:
    text = _edit('"ollama/qwen3:8b" = 0.7', f'"{ref}" = 0.7')
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=_line_of(BASE, '"ollama/qwen3:8b" = 0.7'),
        key=f'agents.backend.mix."{ref}"',
        expected='must be written "provider/model"',
    )


def test_mix_names_unknown_provider(tmp_path: Path) -> None:
    text = _edit('"ollama/qwen3:8b" = 0.7', '"olama/qwen3:8b" = 0.7')
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=_line_of(BASE, '"ollama/qwen3:8b" = 0.7'),
        key='agents.backend.mix."olama/qwen3:8b"',
        expected="unknown provider 'olama' (known: ollama, router)",
    )


def test_mix_names_model_the_provider_does_not_list(tmp_path: Path) -> None:
    ref = "router/anthropic/claude-opus-4.1"
    text = _edit('"router/anthropic/claude-sonnet-4.5" = 0.3', f'"{ref}" = 0.3')
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=_line_of(BASE, '"router/anthropic/claude-sonnet-4.5" = 0.3'),
        key=f'agents.backend.mix."{ref}"',
        expected="model 'anthropic/claude-opus-4.1' is not listed in providers.router.models",
    )


def test_mix_in_inline_table_points_at_its_line(tmp_path: Path) -> None:
    text = _edit(
        MIX_TABLE,
        '\nmix = { "ollama/qwen3:8b" = 0.7, "ollama/qwen3:14b" = 0.3 }\n',
    )
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=_line_of(text, "mix = {"),
        key='agents.backend.mix."ollama/qwen3:14b"',
        expected="is not listed in providers.ollama.models",
    )


def test_every_bad_reference_is_reported(tmp_path: Path) -> None:
    text = _edit('"ollama/qwen3:8b" = 0.7', '"olama/qwen3:8b" = 0.7')
    text = _edit('default_agent = "backend"', 'default_agent = "frontend"', text)
    _, message = _error(tmp_path, text)
    assert "unknown provider 'olama'" in message
    _assert_reports(
        message,
        line=_line_of(BASE, "default_agent"),
        key="orchestrator.default_agent",
        expected="unknown agent 'frontend' (known: backend)",
    )


# -- providers -----------------------------------------------------------------------------


def test_openai_provider_without_base_url(tmp_path: Path) -> None:
    text = _edit('base_url = "https://openrouter.ai/api/v1"\n', "")
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=_line_of(text, "[providers.router]"),
        key="providers.router",
        expected="an 'openai' provider needs base_url",
    )


def test_base_url_must_be_http(tmp_path: Path) -> None:
    text = _edit('base_url = "https://openrouter.ai/api/v1"', 'base_url = "openrouter.ai/api/v1"')
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=_line_of(BASE, "base_url"),
        key="providers.router.base_url",
        expected="expected an http:// or https:// URL",
    )


@pytest.mark.parametrize(
    "secret",
    [
        "sk-abc123",
        "sk-or-v1-0123456789abcdef0123456789abcdef",
        "gsk_" + "A1b2C3d4E5f6G7h8I9j0" * 2,  # shaped like a name, but a Groq key
        "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6",
    ],
)
def test_api_key_env_refuses_a_key_without_echoing_it(tmp_path: Path, secret: str) -> None:
    text = _edit('api_key_env = "OPENROUTER_API_KEY"', f'api_key_env = "{secret}"')
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=_line_of(BASE, "api_key_env"),
        key="providers.router.api_key_env",
        expected="must be the NAME of an environment variable",
    )
    assert secret not in message
    assert secret[4:12] not in message


def test_a_key_pasted_into_a_mix_ref_is_redacted(tmp_path: Path) -> None:
    secret = "sk-proj-9f8e7d6c5b4a3210"
    text = _edit('"ollama/qwen3:8b" = 0.7', f'"{secret}/qwen3:8b" = 0.7')
    _, message = _error(tmp_path, text)
    assert "unknown provider '[redacted]'" in message
    assert secret not in message


def test_a_key_in_broken_toml_is_not_echoed(tmp_path: Path) -> None:
    secret = "sk-ant-api03-abcdefghijklmnop"
    text = _edit('api_key_env = "OPENROUTER_API_KEY"', f"api_key_env = {secret}")
    _, message = _error(tmp_path, text)
    assert "not valid TOML" in message
    assert secret not in message


# -- orchestrator --------------------------------------------------------------------------


def test_unknown_default_agent(tmp_path: Path) -> None:
    text = _edit('default_agent = "backend"', 'default_agent = "qa"')
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=_line_of(BASE, "default_agent"),
        key="orchestrator.default_agent",
        expected="unknown agent 'qa'",
    )


def test_heartbeat_must_be_shorter_than_lease(tmp_path: Path) -> None:
    text = BASE + "lease_seconds = 30.0\nheartbeat_seconds = 30\n"
    _, message = _error(tmp_path, text)
    _assert_reports(
        message,
        line=len(text.splitlines()),
        key="orchestrator.heartbeat_seconds",
        expected="must be less than lease_seconds (30)",
    )


def test_limits_say_the_bound(tmp_path: Path) -> None:
    _, message = _error(tmp_path, BASE + "\n[ui]\nstream_flush_ms = 5\n")
    _assert_reports(
        message,
        line=len(BASE.splitlines()) + 3,
        key="ui.stream_flush_ms",
        expected="greater than or equal to 10 (got 5)",
    )


def test_problems_are_listed_in_line_order(tmp_path: Path) -> None:
    text = _edit("max_concurrent = 2", 'max_concurrent = "2"')
    text = _edit("context = 8192", "context = -1", text)
    _, message = _error(tmp_path, text)
    numbers = [int(n) for n in re.findall(r"^  line (\d+):", message, re.MULTILINE)]
    assert len(numbers) == 2
    assert numbers == sorted(numbers)


# -- find_key_line -------------------------------------------------------------------------


LINES = '''\
[providers.ollama]   # comment
kind = "ollama"
models."qwen3:8b".context = 4096
[agents.a]
system_prompt = """
mix = 1
[agents.b]
"""
mix = { "x/y" = 1 }
[ 'agents' . "b" ]
role = 'r'
'''


@pytest.mark.parametrize(
    ("loc", "line"),
    [
        (("providers", "ollama"), 1),
        (("providers", "ollama", "kind"), 2),
        (("providers", "ollama", "models", "qwen3:8b", "context"), 3),
        (("providers", "ollama", "models", "qwen3:8b"), 3),  # defined by a dotted key below
        (("providers",), 1),  # defined by its first subtable
        (("agents", "a", "mix"), 9),  # not the look-alike inside the multi-line string
        (("agents", "a", "mix", "x/y"), 9),
        (("agents", "b", "role"), 11),
        (("agents", "b", "mix"), 10),  # missing: its table
        (("agents", "b", "tags", 0), 10),
        (("storage", "path"), None),
        ((), None),
    ],
)
def test_find_key_line(loc: tuple[int | str, ...], line: int | None) -> None:
    assert find_key_line(LINES, loc) == line


# -- secrets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["OPENROUTER_API_KEY", "GROQ_API_KEY", "hf_token", "openrouter/anthropic/claude-sonnet-4.5"],
)
def test_names_are_not_secrets(name: str) -> None:
    assert not looks_like_secret(name)
    assert redact_secrets(name) == name


def test_redaction_keeps_the_rest_of_the_text() -> None:
    text = "key sk-live-abcdef123456 and 0123456789abcdef0123456789abcdef!"
    assert redact_secrets(text) == "key [redacted] and [redacted]!"


# -- nothing but ConfigError, whatever the input --------------------------------------------


VOCABULARY = sorted(
    {
        name
        for model in (
            config.Settings,
            config.ProviderConfig,
            config.ModelConfig,
            config.AgentConfig,
            config.StorageConfig,
            config.BudgetConfig,
            config.OrchestratorConfig,
            config.UIConfig,
        )
        for name in model.model_fields
    }
    | {"ollama", "openai", "local", "a", "b", "ollama/m", "a/b", "m"}
)


def _toml_string(text: str) -> str:
    escaped = "".join(
        "\\" + c if c in '"\\' else f"\\u{ord(c):04x}" if ord(c) < 0x20 or c == "\x7f" else c
        for c in text
    )
    return f'"{escaped}"'


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return ("-inf" if value < 0 else "inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    assert isinstance(value, dict)
    items = ", ".join(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in value.items())
    return "{" + items + "}"


def _toml_document(data: dict[str, object]) -> str:
    return "".join(f"{_toml_string(k)} = {_toml_value(v)}\n" for k, v in data.items())


_keys = st.sampled_from(VOCABULARY) | st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_scalars = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.sampled_from(VOCABULARY)
    | st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=30,
)
_documents = st.dictionaries(_keys, _values, max_size=6)

_numbers = st.integers(-2, 10) | st.floats(-1, 1e6, allow_nan=False) | st.just("1")


T = TypeVar("T")

_rarely = st.sampled_from([False] * 19 + [True])
"""True one time in twenty (and False when shrinking)."""
_often = st.sampled_from([False] * 3 + [True])
"""True one time in four, for the faults that only later checks can see."""


def _sometimes(draw: st.DrawFn, good: T, bad: st.SearchStrategy[T]) -> T:
    """Mostly ``good``, now and then a value from ``bad``."""
    return draw(bad) if draw(_rarely) else good


@st.composite
def _shaped(draw: st.DrawFn) -> dict[str, object]:
    """Configs close to valid, so that the later checks (references, limits) run too."""
    good_names = st.sampled_from(["ollama", "local", "router", "a", "b"])
    bad_names = st.sampled_from(["a/b", "", "x y"])
    models = st.sampled_from(["m", "qwen3:8b", "vendor/model"])
    providers: dict[str, object] = {}
    catalogue: list[str] = []
    for name in draw(st.lists(good_names, min_size=1, max_size=3, unique=True)):
        name = _sometimes(draw, name, bad_names)
        kind = draw(st.sampled_from(["ollama", "openai", "local"]))
        provider: dict[str, object] = {"kind": _sometimes(draw, kind, st.just("gemini"))}
        if kind == "openai" or draw(st.booleans()):
            url = draw(st.sampled_from(["http://h:1", "https://h/v1"]))
            provider["base_url"] = _sometimes(draw, url, st.sampled_from(["h", ""]))
        if draw(st.booleans()):
            provider["api_key_env"] = _sometimes(
                draw, "API_KEY", st.sampled_from(["sk-abcdefgh", "1X", ""])
            )
        if draw(st.booleans()):
            provider["max_concurrent"] = _sometimes(draw, 2, _numbers)
        listed = draw(st.lists(models, min_size=0 if draw(_rarely) else 1, unique=True))
        provider["models"] = {
            m: {"context": _sometimes(draw, 4096, _numbers)} if draw(st.booleans()) else {}
            for m in listed
        }
        catalogue += [f"{name}/{m}" for m in listed]
        providers[name] = provider
    refs = st.sampled_from(catalogue) if catalogue else st.just("none/m")
    agents: dict[str, object] = {}
    for name in draw(st.lists(good_names, min_size=1, max_size=3, unique=True)):
        name = _sometimes(draw, name, bad_names)
        agent: dict[str, object] = {}
        if not draw(_rarely):
            mix: dict[str, object] = draw(
                st.dictionaries(refs, st.floats(0.1, 5), min_size=1, max_size=3)
            )
            if draw(_often):
                unlisted = f"{next(iter(providers))}/unlisted"
                # dangling references first, then refs the mix validator refuses
                bad = ["elsewhere/m", unlisted, "nope", "/m", "local/"]
                mix[draw(st.sampled_from(bad))] = 1.0
            if draw(_rarely):
                mix[next(iter(mix))] = draw(_numbers)
            agent["mix"] = mix
        if draw(st.booleans()):
            agent["max_concurrent"] = _sometimes(draw, 1, _numbers)
        if draw(st.booleans()):
            agent["tags"] = _sometimes(draw, ["x"], st.just(["x", 1]))
        agents[name] = agent
    data: dict[str, object] = {"providers": providers, "agents": agents}
    if draw(st.booleans()):
        data["orchestrator"] = {
            "default_agent": draw(st.sampled_from([*agents, "nobody"])),
            "lease_seconds": _sometimes(draw, 60.0, _numbers),
            "heartbeat_seconds": 90.0 if draw(_often) else _sometimes(draw, 10.0, _numbers),
        }
    return data


_toml_lines = st.lists(
    st.sampled_from(
        [
            "[providers.ollama]",
            'kind = "ollama"',
            "[providers.ollama.models.m]",
            "[agents.a.mix]",
            '"ollama/m" = 1',
            '"ollama/m" = 0',
            "max_concurrent = 2",
            'max_concurrent = "2"',
            'system_prompt = """',
            '"""',
            "[[agents]]",
            "[orchestrator]",
            'default_agent = "a"',
            "mix = {",
            "x = [1, [2, 3]]",
            "= 1",
        ]
    )
    | st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
    max_size=12,
).map("\n".join)

_fuzz = settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _load_or_config_error(path: Path) -> Settings | None:
    """load_settings' result, or None after checking the ConfigError it raised."""
    try:
        return load_settings(path)
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: "), message
        assert len(message) > len(f"{path}: ")
        return None


def _check_references(loaded: Settings) -> None:
    for agent in loaded.agents.values():
        assert agent.mix
        for ref, weight in agent.mix.items():
            provider, _, model = ref.partition("/")
            assert model in loaded.providers[provider].models
            assert weight > 0 and math.isfinite(weight)
    assert loaded.default_agent in loaded.agents


@_fuzz
@given(text=_toml_lines)
def test_toml_ish_text_raises_only_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    loaded = _load_or_config_error(path)
    if loaded is not None:
        _check_references(loaded)


@_fuzz
@given(raw=st.binary(max_size=200))
def test_random_bytes_raise_only_config_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_bytes(raw)
    loaded = _load_or_config_error(path)
    if loaded is not None:
        _check_references(loaded)


@_fuzz
@given(data=_documents | _shaped())
def test_random_tables_raise_only_config_error(tmp_path: Path, data: dict[str, object]) -> None:
    text = _toml_document(data)
    assert tomllib.loads(text) == data  # the dumper itself is right
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    loaded = _load_or_config_error(path)
    if loaded is not None:
        _check_references(loaded)


def _outcome(data: dict[str, object]) -> str:
    """``OK`` or the ConfigError message for ``data`` written as TOML."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.toml"
        path.write_text(_toml_document(data), encoding="utf-8")
        try:
            load_settings(path)
        except ConfigError as exc:
            return str(exc)
        return "OK"


@pytest.mark.parametrize(
    "outcome", ["OK", "unknown provider", "is not listed in", "unknown agent", "less than lease"]
)
def test_the_shaped_strategy_reaches_every_check(outcome: str) -> None:
    """Guard for the fuzz test above: its inputs get past the first checks, and to each one."""
    found = find(
        _shaped(),
        lambda data: outcome in _outcome(data),
        settings=settings(
            max_examples=3000, database=None, phases=[Phase.generate], derandomize=True
        ),
    )
    assert outcome in _outcome(found)
