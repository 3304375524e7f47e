"""``mcp import`` of the files people have: JSONC, every variable syntax, name collisions,
SSE servers, tool allow/block lists, envFile, non-string values, string commands and args.
Nothing is lost without a note and nothing is mangled: the imported stdio commands are run
for real (``sh``) with the environment our hub would give them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from swarm_tui.cli.main import main
from swarm_tui.config import MCPServerConfig, load_settings
from swarm_tui.domain.toolnames import longest_match
from swarm_tui.mcp import jsonc
from swarm_tui.mcp.conn import child_env
from swarm_tui.mcp.envrefs import MissingVariable, header_values
from swarm_tui.mcp.import_toml import to_toml
from swarm_tui.mcp.importer import Imported, import_servers

MCPORTER_README = """{
  // mcporter's README example: comments and trailing commas
  "mcpServers": {
    "linear": {
      "description": "Linear issues",
      "baseUrl": "https://mcp.linear.app/mcp", /* hosted */
      "headers": { "Authorization": "Bearer ${LINEAR_API_KEY}", },
    },
    "fs": {
      "command": "npx",
      "args": ["-y", "@scope/server-fs", "http://example.test/a//b", "/* not a comment */",],
    },
  },
  "imports": ["cursor", "vscode",],
}
"""


def _write(tmp_path: Path, text: str, name: str = "mcp.json") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _import(tmp_path: Path, servers: dict[str, Any], name: str = "mcp.json") -> Imported:
    return import_servers(_write(tmp_path, json.dumps({"mcpServers": servers}), name))


def _run(table: dict[str, Any], environ: dict[str, str], argv_printer: bool = True) -> str:
    """Run an imported stdio table as the hub would: its command and args, no shell of our
    own, only the environment its ``env`` entries pass (plus PATH)."""
    config = MCPServerConfig.model_validate(table)  # it must be valid config too
    assert config.command is not None
    env = {"PATH": "/usr/bin:/bin", **child_env(config.env, environ)}
    done = subprocess.run(
        [config.command, *config.args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_jsonc_from_mcporter_readme_keeps_strings_with_slashes(tmp_path: Path) -> None:
    imported = import_servers(_write(tmp_path, MCPORTER_README, "mcporter.json"))
    assert imported.tables["linear"] == {
        "url": "https://mcp.linear.app/mcp",
        "headers": {"Authorization": "Bearer ${LINEAR_API_KEY}"},
    }
    assert imported.tables["fs"]["args"] == [
        "-y",
        "@scope/server-fs",
        "http://example.test/a//b",
        "/* not a comment */",
    ]


def test_vscode_settings_json_with_comments(tmp_path: Path) -> None:
    text = """{
      // user settings
      "editor.fontSize": 14,
      "mcp": {
        "servers": {
          "time": { "type": "stdio", "command": "mcp-server-time", "args": [], }, // trailing
        },
      },
    }"""
    imported = import_servers(_write(tmp_path, text, "settings.json"))
    assert imported.tables == {"time": {"command": "mcp-server-time", "args": []}}


def test_bad_and_deeply_nested_json_are_clear_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = _write(tmp_path, '{"mcpServers": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert main(["mcp", "import", str(deep)]) == 2
    err = capsys.readouterr().err
    assert "nested too deeply" in err and str(deep) in err and "Traceback" not in err
    broken = _write(tmp_path, '{\n  "mcpServers": {\n    "a": {,}\n  }\n}', "broken.json")
    assert main(["mcp", "import", str(broken)]) == 2
    assert "line 3 column" in capsys.readouterr().err


def test_colliding_names_stay_distinct_and_say_why(tmp_path: Path) -> None:
    imported = _import(
        tmp_path,
        {
            "my.server": {"command": "a"},
            "my_server": {"command": "b"},
            "swarm": {"command": "c"},
            "swarm_imported": {"command": "d"},
            "x__y": {"command": "e"},
        },
    )
    commands = {name: t["command"] for name, t in imported.tables.items()}
    assert commands == {
        "my_server_2": "a",
        "my_server": "b",
        "swarm_imported_2": "c",
        "swarm_imported": "d",
        "x_y": "e",
    }
    notes = "\n".join(imported.notes)
    assert "my.server: imported as my_server_2" in notes
    assert "my_server is already taken by the server 'my_server'" in notes
    assert "'swarm' is the swarm's own" in notes and "swarm_imported is already taken" in notes


def test_existing_config_names_are_avoided_on_rename(tmp_path: Path) -> None:
    imported = import_servers(
        _write(tmp_path, json.dumps({"mcpServers": {"git.hub": {"command": "g"}}})),
        existing={"git_hub"},
    )
    assert list(imported.tables) == ["git_hub_2"]
    assert "already taken by your config" in imported.notes[0]


def test_each_variable_syntax_keeps_its_meaning_when_run(tmp_path: Path) -> None:
    (tmp_path / ".vscode").mkdir()
    script = (
        "import os, sys; print(sys.argv[1:]);"
        " print(sorted((k, v) for k, v in os.environ.items() if k in 'ABCDEF'))"
    )
    servers = {
        "vars": {
            "command": "python3",
            "args": [
                "-c",
                script,
                "${workspaceFolder}/x",
                "--tok=$env:TOKEN",
                "${MODE:-fast mode}",
            ],
            "env": {
                "A": "${A}",  # the same variable: passed through
                "B": "${env:OTHER}",  # read from another variable
                "C": "${C:-dflt}",  # a default when unset
                "D": "$env:D",
                "E": "prefix-${OTHER}-suffix",
                "F": "${workspaceFolderBasename}",
            },
        }
    }
    imported = _import(tmp_path, servers, ".vscode/mcp.json")
    table = imported.tables["vars"]
    out = _run(table, {"A": "a1", "OTHER": "o2", "D": "d4", "TOKEN": "t0", "HOME": "/h"})
    argv, env = out.splitlines()
    assert argv == repr([f"{tmp_path}/x", "--tok=t0", "fast mode"])
    assert env == repr(
        [("A", "a1"), ("B", "o2"), ("C", "dflt"), ("D", "d4"), ("E", "prefix-o2-suffix"),
         ("F", tmp_path.name)]
    )  # fmt: skip
    out = _run(table, {"A": "a", "OTHER": "o", "C": "set", "D": "d", "TOKEN": "t", "MODE": "m"})
    assert out.splitlines()[0].endswith("'--tok=t', 'm']") and "('C', 'set')" in out
    notes = "\n".join(imported.notes)
    assert f"${{workspaceFolder}} was taken as {tmp_path}" in notes
    assert "sh -c" in notes


def test_plain_values_stay_plain_and_json_scalars_keep_their_text(tmp_path: Path) -> None:
    imported = _import(
        tmp_path,
        {
            "plain": {
                "command": "srv",
                "args": ["--port", 8080, True],
                "env": {
                    "DEBUG": True,
                    "LEVEL": 3,
                    "NAME": "${NAME}",
                    "OFF": False,
                    "BARE": "$BARE",
                    "API_KEY": "${input:api-key}",
                    "PRICE": "$5 a month",
                },
            }
        },
    )
    assert imported.tables["plain"] == {
        "command": "srv",
        "args": ["--port", "8080", "true"],
        "env": [
            "DEBUG=true",
            "LEVEL=3",
            "NAME",
            "OFF=false",
            "BARE",
            "API_KEY",
            "PRICE=$5 a month",
        ],
    }
    assert any("${input:api-key} was a VS Code prompt: export API_KEY" in n for n in imported.notes)


def test_string_args_and_single_string_commands_are_split(tmp_path: Path) -> None:
    imported = _import(
        tmp_path,
        {
            "one": {"command": "printf '%s|' -y \"a b\" /tmp"},
            "two": {"command": "printf", "args": "'%s|' --flag 'c d'"},
        },
    )
    assert imported.tables["one"]["command"] == "printf"
    assert _run(imported.tables["one"], {}) == "-y|a b|/tmp|"
    assert _run(imported.tables["two"], {}) == "--flag|c d|"
    notes = "\n".join(imported.notes)
    assert "was split into program 'printf'" in notes and "args was one string" in notes


def test_header_variables_are_reused_not_renamed(tmp_path: Path) -> None:
    imported = _import(
        tmp_path,
        {
            "docs": {
                "url": "https://docs.example/mcp",
                "headers": {
                    "Authorization": "Bearer ${DOCS_TOKEN}",
                    "X-Team": "$env:TEAM",
                    "X-Org": "${env:ORG}",
                },
            }
        },
    )
    headers = imported.tables["docs"]["headers"]
    assert headers == {"Authorization": "Bearer ${DOCS_TOKEN}", "X-Team": "TEAM", "X-Org": "ORG"}
    config = MCPServerConfig.model_validate(imported.tables["docs"])
    sent = header_values(config.headers, {"DOCS_TOKEN": "t1", "TEAM": "red", "ORG": "o"})
    assert sent == {"Authorization": "Bearer t1", "X-Team": "red", "X-Org": "o"}
    with pytest.raises(MissingVariable, match=r"header Authorization \(\$DOCS_TOKEN\) has no"):
        header_values(config.headers, {"TEAM": "red", "ORG": "o", "DOCS_TOKEN": ""})


def test_sse_server_is_left_out_with_a_note_and_kept_commented(tmp_path: Path) -> None:
    imported = _import(
        tmp_path,
        {
            "events": {"type": "sse", "url": "http://127.0.0.1:9/sse"},
            "cursor_style": {"url": "http://127.0.0.1:9/sse/"},
            "plain": {"url": "http://127.0.0.1:9/mcp"},
        },
    )
    assert list(imported.tables) == ["plain"]
    assert any("cursor_style" in n and "ends in /sse" in n for n in imported.notes)
    assert any("events" in n and "SSE" in n and "streamable HTTP" in n for n in imported.notes)
    text = to_toml(imported)
    assert '# [mcp.servers.events]\n# url = "http://127.0.0.1:9/sse"' in text


def test_allowed_and_blocked_tools_become_policies(tmp_path: Path) -> None:
    imported = _import(
        tmp_path,
        {
            "gh": {
                "command": "gh-mcp",
                "allowedTools": ["list_issues", "get.issue", "search_*"],
                "blockedTools": ["search_delete"],
            },
            "db": {"command": "db-mcp", "blockedTools": ["drop_table"]},
        },
    )
    config = tmp_path / "config.toml"
    config.write_text(
        '[providers.local]\nkind = "local"\n[providers.local.models.smollm2]\n'
        '[agents.a]\nmix = { "local/smollm2" = 1.0 }\n\n' + to_toml(imported)
    )
    policies = dict(load_settings(config).mcp.policies)
    for tool, want in {
        "gh__list_issues": "ask",
        "gh__get_issue": "ask",
        "gh__search_code": "ask",
        "gh__search_delete": "deny",
        "gh__delete_repo": "deny",  # not on the allow-list
        "db__drop_table": "deny",
        "db__select": None,  # no rule: the default policy applies
    }.items():
        assert longest_match(policies, tool) == want, tool


def test_write_puts_policies_under_an_existing_policies_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _write(
        tmp_path, json.dumps({"servers": {"db": {"command": "x", "blockedTools": ["drop"]}}})
    )
    config = tmp_path / "config.toml"
    config.write_text(
        '[providers.local]\nkind = "local"\n[providers.local.models.smollm2]\n'
        '[agents.a]\nmix = { "local/smollm2" = 1.0 }\n'
        '[mcp.policies]\n"other__*" = "auto"\n[mcp]\ndefault_policy = "auto"\n'
    )
    assert main(["--config", str(config), "mcp", "import", str(src), "--write"]) == 0
    settings = load_settings(config)
    assert dict(settings.mcp.policies) == {"other__*": "auto", "db__drop": "deny"}
    assert "db" in settings.mcp.servers
    assert "1 tool policies" in capsys.readouterr().err


def test_env_file_names_are_passed_through_with_a_note(tmp_path: Path) -> None:
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".env").write_text("# secrets\nexport API_KEY=sk-abc\nREGION = eu\n\nNOT A LINE\n")
    servers = {
        "api": {"command": "srv", "envFile": "${workspaceFolder}/.env", "env": {"REGION": "us"}},
        "gone": {"command": "srv", "envFile": "/nonexistent/.env"},
    }
    imported = _import(tmp_path, servers, ".vscode/mcp.json")
    assert imported.tables["api"]["env"] == ["REGION=us", "API_KEY"]
    assert "sk-abc" not in to_toml(imported)
    notes = "\n".join(imported.notes)
    assert "defines API_KEY, REGION" in notes and "export them" in notes
    assert "gone: envFile /nonexistent/.env could not be read" in notes


def test_unknown_keys_and_disabled_servers_are_noted(tmp_path: Path) -> None:
    imported = _import(
        tmp_path,
        {
            "a": {"command": "x", "timeout": 5, "alwaysAllow": ["read"]},
            "b": {"command": "y", "disabled": True},
            "c": {"url": "http://127.0.0.1:1/mcp", "env": {"X": "1"}},
        },
    )
    notes = "\n".join(imported.notes)
    assert "a: 'timeout' not imported" in notes
    assert "read ran without asking there" in notes
    assert "b: left out (commented below): disabled" in notes
    assert "c: 'env' not imported: it means nothing for an HTTP server" in notes
    assert "# [mcp.servers.b]" in to_toml(imported)


_SCALARS = st.none() | st.booleans() | st.integers() | st.text(alphabet='ab/*, "\\\n{}[]')


@given(
    st.recursive(
        _SCALARS,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_SCALARS.map(str), inner),
        max_leaves=20,
    )
)
def test_jsonc_reads_every_plain_json_document_unchanged(value: object) -> None:
    for text in (json.dumps(value), json.dumps(value, indent=2)):
        assert jsonc.loads(text) == value


def test_write_that_would_not_validate_leaves_the_file_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _write(tmp_path, json.dumps({"servers": {"a": {"command": "x"}}}))
    config = tmp_path / "new-config.toml"  # a file of servers alone extends the default
    assert main(["--config", str(config), "mcp", "import", str(src), "--write"]) == 0
    assert load_settings(config).mcp.servers["a"].command == "x"
    existing = tmp_path / "config.toml"
    existing.write_text("[budget]\nnot_a_key = 1\n")
    assert main(["--config", str(existing), "mcp", "import", str(src), "--write"]) == 2
    assert existing.read_text() == "[budget]\nnot_a_key = 1\n"
    capsys.readouterr()
