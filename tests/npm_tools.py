"""npm packages the tests run for real, installed once per checkout into ``.npm-tools/``
(gitignored) at exact versions; nothing is fetched while a test runs."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / ".npm-tools"


def _installed(prefix: Path, bin_name: str, spec: str) -> bool:
    name, _, version = spec.rpartition("@")
    manifest = prefix / "node_modules" / name / "package.json"
    binary = prefix / "node_modules" / ".bin" / bin_name
    return binary.exists() and f'"version": "{version}"' in manifest.read_text()


def install(prefix: Path, packages: Mapping[str, str], needed_by: str) -> dict[str, Path]:
    """``{bin name: path}`` for ``packages`` (bin name -> ``pkg@version``); runs
    ``npm install --prefix`` only for what is missing or at another version."""
    missing = [spec for b, spec in packages.items() if not _installed(prefix, b, spec)]
    if missing:
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(f"npm is not on PATH: {needed_by} need Node.js and npm")
        prefix.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", *missing],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"npm install {' '.join(missing)} failed:\n{done.stderr[-2000:]}")
    return {b: prefix / "node_modules" / ".bin" / b for b in packages}
