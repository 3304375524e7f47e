"""The README's key table lists every key of the control room (by binding id), so a key added
to the room cannot go undocumented."""

from __future__ import annotations

import re
from pathlib import Path

from swarm_tui.tui.bindings import APP_BINDINGS, PANE_BINDING_IDS

README = Path(__file__).resolve().parents[2] / "README.md"


def documented_ids() -> set[str]:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| key | id | does |") :].split("\n\n", 1)[0]
    ids: set[str] = set()
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        for name in re.split(r"\s*/\s*", cells[1]):
            if name.endswith("_1..9"):  # vote_pick_1..9
                ids |= {f"{name[:-4]}{n}" for n in range(1, 10)}
            elif name:
                ids.add(name)
    return ids


def test_the_readme_key_table_lists_every_key() -> None:
    ids = documented_ids()
    room = {b.id for b in APP_BINDINGS if b.id}
    assert room - ids == set()
    pane = {"sort", "vote_arbiter"} | {f"vote_pick_{n}" for n in range(1, 10)}
    assert pane <= PANE_BINDING_IDS
    assert pane - ids == set()
