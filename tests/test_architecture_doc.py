"""docs/ARCHITECTURE.md names the layers exactly as the import-linter contract holds them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _contract_layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    [layers] = [
        c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    ]
    return [re.sub(r"[()]", "", layer) for layer in layers]


def _documented_layers() -> list[str]:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    match = re.search(r"```layers\n(.*?)```", text, flags=re.S)
    assert match is not None, "docs/ARCHITECTURE.md has no ```layers block"
    return [line.strip() for line in match.group(1).splitlines() if line.strip()]


def test_the_documented_layers_are_the_contracts() -> None:
    assert _documented_layers() == _contract_layers()


def test_every_package_of_swarm_tui_is_in_a_layer() -> None:
    named = {m.strip() for layer in _contract_layers() for m in layer.split("|")}
    packages = {
        f"swarm_tui.{p.name}"
        for p in (ROOT / "swarm_tui").iterdir()
        if p.is_dir() and (p / "__init__.py").exists()
    }
    modules = {
        f"swarm_tui.{p.stem}"
        for p in (ROOT / "swarm_tui").glob("*.py")
        if p.stem not in ("__init__", "__main__")
    }
    assert packages | modules <= named
