"""The headless core never imports Textual (checked in a fresh interpreter)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import swarm_tui

HEADLESS = (
    "domain",
    "config",
    "core",
    "goals",
    "store",
    "providers",
    "mcp",
    "hw",
    "workspace",
    "service",
    "evals",
)


def headless_modules() -> list[str]:
    names = ["swarm_tui.runtime"]
    for info in pkgutil.walk_packages(swarm_tui.__path__, "swarm_tui."):
        if info.name.split(".")[1] in HEADLESS:
            names.append(info.name)
    return names


def test_headless_modules_are_found() -> None:
    names = headless_modules()
    assert "swarm_tui.core.orchestrator" in names and "swarm_tui.store.ledger" in names
    assert "swarm_tui.providers.local" in names


def test_importing_every_headless_module_does_not_load_textual() -> None:
    imports = "; ".join(f"import {name}" for name in headless_modules())
    code = (
        f"import sys; {imports}; "
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')"
        " or m.startswith('swarm_tui.tui')); print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_check_itself_sees_textual_when_it_is_imported() -> None:
    code = "import sys, textual.app; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_the_sqlite_path_never_imports_the_postgresql_driver() -> None:
    """Everything but ``store/pg`` (and the command that copies ledgers) loads without psycopg:
    the embedded default needs no PostgreSQL driver installed."""
    names = [n for n in headless_modules() if not n.startswith("swarm_tui.store.pg")]
    names += ["swarm_tui.cli.main", "swarm_tui.cli.headless", "swarm_tui.cli.link"]
    imports = "; ".join(f"import {name}" for name in names)
    code = f"import sys; {imports}; print(sorted(m for m in sys.modules if 'psycopg' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
