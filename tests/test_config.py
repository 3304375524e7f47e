"""The config models, the shipped example and how a config file is found."""

from __future__ import annotations

import re
import tomllib
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from swarm_tui import config
from swarm_tui.config import (
    AgentConfig,
    ModelConfig,
    ProviderConfig,
    Settings,
    default_settings,
    find_config,
    load_settings,
    user_config_path,
)
from swarm_tui.config.errors import find_key_line, looks_like_secret

EXAMPLE = Path(__file__).resolve().parents[1] / "config.toml.example"

ROLES = {
    "project-manager",
    "backend",
    "frontend",
    "qa-lead",
    "code-reviewer",
    "infrastructure",
    "devops",
    "security-reviewer",
    "marketing",
    "operations",
}


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The pydantic model inside ``annotation`` (``M``, ``dict[str, M]``, ``M | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _walk(model: type[BaseModel], path: str) -> Iterator[tuple[str, type[BaseModel], str]]:
    """Every (path, model, field name) reachable from ``model``."""
    for name, field in model.model_fields.items():
        yield path, model, name
        inner = _model_in(field.annotation)
        if inner is not None:
            keyed = typing.get_origin(field.annotation) is dict
            yield from _walk(inner, f"{path}.{name}" + (".*" if keyed else ""))


def _instances(data: object, path: list[str]) -> list[dict[str, object]]:
    """The tables at ``path`` in parsed TOML (``*`` = every entry of a table; an array of
    tables counts each of its tables)."""
    if isinstance(data, list):
        return [table for item in data for table in _instances(item, path)]
    if not path:
        return [data] if isinstance(data, dict) else []
    if not isinstance(data, dict):
        return []
    head, rest = path[0], path[1:]
    children = list(data.values()) if head == "*" else [data.get(head)]
    return [table for child in children for table in _instances(child, rest)]


@pytest.fixture(scope="module")
def example() -> Settings:
    return load_settings(EXAMPLE)


@pytest.fixture(scope="module")
def example_data() -> dict[str, object]:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_example_validates_and_has_the_ten_roles(example: Settings) -> None:
    assert set(example.agents) == ROLES
    assert len(example.agents) == 10
    assert example.source == str(EXAMPLE)
    assert example.default_agent == "project-manager"


def test_example_agents_are_fully_described(example: Settings) -> None:
    defaults = AgentConfig(mix={"a/b": 1.0})
    for name, agent in example.agents.items():
        assert agent.role, name
        assert agent.system_prompt != defaults.system_prompt, name
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", agent.system_prompt) if s]
        assert 2 <= len(sentences) <= 4, (name, sentences)
        assert agent.tags, name
        assert agent.mcp_servers, name
        assert len(agent.mix) >= 2, name


def test_example_providers(example: Settings) -> None:
    kinds = {name: p.kind for name, p in example.providers.items()}
    openai = example.providers["openai"]
    assert (openai.base_url, openai.api_key_env) == ("https://api.openai.com/v1", "OPENAI_API_KEY")
    assert kinds == {
        "local": "local",
        "ollama": "ollama",
        "openrouter": "openai",
        "dashscope": "openai",
        "groq": "openai",
        "openai": "openai",
        "anthropic": "anthropic",
        "gemini": "gemini",
        "claude-code": "claude-code",
        "qwen-code": "qwen-code",
        "gemini-cli": "gemini-cli",
        "copilot": "copilot",
        "codex": "codex",
    }
    for name in ("local", "ollama"):
        for model in example.providers[name].models.values():
            assert model.input_per_mtok == model.output_per_mtok == 0.0
    for name in ("openrouter", "dashscope", "groq"):
        provider = example.providers[name]
        assert provider.base_url is not None
        assert provider.base_url.startswith("https://")
        assert provider.api_key_env == f"{name.upper()}_API_KEY"
        assert all(m.output_per_mtok > 0 for m in provider.models.values())
    for model in example.providers["openrouter"].models.values():
        assert model.cached_per_mtok == pytest.approx(model.input_per_mtok / 10)


def test_example_keeps_premium_models_for_reviewers(example: Settings) -> None:
    def share_on_paid(agent: AgentConfig, at_least: float) -> float:
        total = sum(agent.mix.values())
        paid = 0.0
        for ref, weight in agent.mix.items():
            provider, _, model = ref.partition("/")
            if example.providers[provider].models[model].input_per_mtok >= at_least:
                paid += weight
        return paid / total

    for name in ("code-reviewer", "security-reviewer"):
        assert share_on_paid(example.agents[name], 3.0) >= 0.5, name
    for name in ("backend", "frontend", "devops", "operations", "marketing"):
        assert share_on_paid(example.agents[name], 3.0) <= 0.2, name


def test_example_keeps_no_secrets() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert not re.search(r"^\s*api_key\s*=", text, re.MULTILINE)
    assert not looks_like_secret(text)


def test_every_field_of_every_model_appears_in_the_example(
    example_data: dict[str, object],
) -> None:
    missing = []
    for path, _model, name in _walk(Settings, ""):
        parts = [p for p in path.split(".") if p]
        tables = _instances(example_data, parts)
        if not any(name in table for table in tables):
            missing.append(f"{path}.{name}".lstrip("."))
    assert missing == []


def test_walk_covers_every_model_class() -> None:
    seen = {model for _, model, _ in _walk(Settings, "")}
    models = {
        obj
        for obj in vars(config).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseModel)
        and obj.__module__.startswith(config.__name__ + ".")
    }
    models = {m for m in models if not m.__name__.startswith("_")}
    assert models <= seen


def _first_loc(data: object, parts: list[str], name: str) -> list[str] | None:
    """Concrete location of the first table at ``parts`` (``*`` = any entry) that sets ``name``."""
    if isinstance(data, list):  # an array of tables: its first table that sets it
        return next((f for item in data if (f := _first_loc(item, parts, name))), None)
    if not isinstance(data, dict):
        return None
    if not parts:
        return [name] if name in data else None
    head, rest = parts[0], parts[1:]
    for key in list(data) if head == "*" else [head]:
        found = _first_loc(data.get(key), rest, name)
        if found is not None:
            return [key, *found]
    return None


def test_every_field_is_commented_where_the_example_first_sets_it(
    example_data: dict[str, object],
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines()
    for path, model, name in _walk(Settings, ""):
        loc = _first_loc(example_data, [p for p in path.split(".") if p], name)
        assert loc is not None, f"{model.__name__}.{name} is not in the example"
        number = find_key_line(text, loc)
        assert number is not None, loc
        assert re.search(rf"\b{re.escape(name)}\b", lines[number - 1]), (loc, number)
        above = lines[number - 2].strip()
        assert above.startswith("#"), f"{'.'.join(loc)} (line {number}) has no comment above"


def test_example_lists_every_key_binding_with_its_default() -> None:
    bindings = pytest.importorskip("swarm_tui.tui.bindings")
    text = EXAMPLE.read_text(encoding="utf-8")
    listed = dict(re.findall(r'^#\s+([a-z_]+)\s+= "([^"]+)"', text, re.MULTILINE))
    defaults = {b.id: b.key for b in bindings.APP_BINDINGS if b.id}
    assert listed == defaults
    keymap = load_settings(EXAMPLE).ui.keymap
    assert keymap
    assert set(keymap) <= set(defaults)


def test_every_field_has_a_docstring() -> None:
    for _path, model, name in _walk(Settings, ""):
        description = model.model_fields[name].description
        assert description, f"{model.__name__}.{name} has no docstring"


def test_default_settings_run_on_the_embedded_model() -> None:
    settings = default_settings()
    assert {p.kind for p in settings.providers.values()} == {"local"}
    agent = settings.agents[settings.default_agent]
    assert all(ref.startswith("local/") for ref in agent.mix)
    assert load_settings(None) == settings
    assert settings.source == "<built-in default>"


def test_db_path_expands_home_and_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/tester")
    monkeypatch.setenv("SWARM_DATA", "/data")
    settings = default_settings()
    assert settings.db_path() == Path("/home/tester/.local/share/swarm-tui/ledger.db")
    custom = settings.model_copy(update={"storage": config.StorageConfig(path="$SWARM_DATA/l.db")})
    assert custom.db_path() == Path("/data/l.db")


def test_source_is_not_a_config_key(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    text = EXAMPLE.read_text(encoding="utf-8")
    path.write_text('source = "elsewhere"\n' + text, encoding="utf-8")
    with pytest.raises(config.ConfigError, match=r"line 1: source: unknown key"):
        load_settings(path)


def test_models_are_frozen_and_strict() -> None:
    provider = ProviderConfig(kind="ollama", models={"m": ModelConfig()})
    with pytest.raises(ValueError, match="frozen"):
        provider.max_concurrent = 9  # type: ignore[misc]
    with pytest.raises(ValueError, match="valid integer"):
        ModelConfig.model_validate({"max_tokens": "512"})


# -- find_config: --config > $SWARM_TUI_CONFIG > $XDG_CONFIG_HOME/swarm-tui > built-in --------


@pytest.fixture
def config_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    xdg = tmp_path / "xdg"
    user = xdg / "swarm-tui" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text("", encoding="utf-8")
    env_file = tmp_path / "from-env.toml"
    env_file.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    monkeypatch.setenv("SWARM_TUI_CONFIG", str(env_file))
    return {"user": user, "env": env_file, "explicit": tmp_path / "explicit.toml"}


def test_explicit_path_wins(config_env: dict[str, Path]) -> None:
    assert find_config(str(config_env["explicit"])) == config_env["explicit"]


def test_environment_variable_beats_user_config(config_env: dict[str, Path]) -> None:
    assert find_config(None) == config_env["env"]


def test_user_config_dir_follows_xdg(
    config_env: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SWARM_TUI_CONFIG")
    assert user_config_path() == config_env["user"]
    assert find_config(None) == config_env["user"]
    monkeypatch.setenv("SWARM_TUI_CONFIG", "")  # empty counts as unset
    assert find_config(None) == config_env["user"]


def test_user_config_dir_defaults_to_dot_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_config_path() == tmp_path / ".config" / "swarm-tui" / "config.toml"


def test_nothing_found_means_built_in(
    config_env: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SWARM_TUI_CONFIG")
    config_env["user"].unlink()
    assert find_config(None) is None
    assert find_config("") is None


def test_explicit_missing_path_is_returned_not_skipped(
    config_env: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = config_env["explicit"]
    assert find_config(str(missing)) == missing
    monkeypatch.setenv("SWARM_TUI_CONFIG", str(missing))
    assert find_config(None) == missing
    with pytest.raises(config.ConfigError, match="no such config file"):
        load_settings(find_config(None))


def test_explicit_path_expands_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert find_config("~/swarm.toml") == tmp_path / "swarm.toml"
