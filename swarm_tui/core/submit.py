"""Validate submitted task specs into a batch the ledger can insert in one transaction.

Everything is checked before anything is written: unknown roles, missing dependencies,
duplicate keys and cycles are refused with one message listing every problem.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from swarm_tui.core.graph import CycleError, topo_order
from swarm_tui.domain.models import TaskMode, TaskSpec
from swarm_tui.store.records import NewTask

__all__ = ["PlannedBatch", "SubmitError", "plan_batch"]

MAX_PRIORITY = 1_000_000


class SubmitError(ValueError):
    """A submission that cannot be accepted; nothing of it was written."""


@dataclass(frozen=True, slots=True)
class PlannedBatch:
    items: list[NewTask]
    order: list[int]
    """``order[i]`` is the index in the submitted list of ``items[i]``."""


def _title(spec: TaskSpec) -> str:
    if spec.title.strip():
        return spec.title.strip()
    first = spec.prompt.strip().splitlines()[0].strip() if spec.prompt.strip() else ""
    return first if len(first) <= 60 else first[:57].rstrip() + "..."


def _project(
    spec: TaskSpec, role: str, agent_projects: Mapping[str, str | None] | None
) -> str | None:
    """The task's project: its own, else its role's default (single-mode tasks only: a
    consensus or review task of that role stays a text task unless it names the project;
    ``project=""`` says explicitly "no project": the role's default does not apply)."""
    if spec.project is not None or spec.mode != TaskMode.SINGLE:
        return spec.project or None
    return (agent_projects or {}).get(role)


def plan_batch(
    specs: Sequence[TaskSpec],
    *,
    agents: Sequence[str],
    default_agent: str,
    existing_ids: set[int],
    existing_keys: Mapping[str, int],
    labels: Sequence[str] | None = None,
    projects: Collection[str] = (),
    agent_projects: Mapping[str, str | None] | None = None,
) -> PlannedBatch:
    """``labels[i]`` names spec ``i`` in messages (e.g. ``tasks.toml: task 3``); a task's
    project is its own, else its role's default (``agent_projects``), and must be one of
    ``projects``."""
    names = list(labels) if labels is not None else [f"task {i + 1}" for i in range(len(specs))]
    problems: list[str] = []
    key_index: dict[str, int] = {}
    for i, spec in enumerate(specs):
        if spec.key is not None:
            if spec.key in key_index:
                problems.append(f"{names[i]}: key {spec.key!r} is used twice in this batch")
            key_index[spec.key] = i
    edges: dict[str, list[str]] = {str(i): [] for i in range(len(specs))}
    for i, spec in enumerate(specs):
        where = names[i]
        if not spec.prompt.strip():
            problems.append(f"{where}: prompt is empty")
        role = spec.role or default_agent
        if role not in agents:
            problems.append(f"{where}: unknown role {role!r} (agents: {', '.join(agents)})")
        project = _project(spec, role, agent_projects)
        if spec.project and spec.mode == TaskMode.REVIEW:
            problems.append(
                f"{where}: project {spec.project!r} needs mode single or consensus (review"
                " over code is not built yet)"
            )
        elif project is not None and project not in projects:
            known = ", ".join(sorted(projects)) or "none are configured: add [projects.NAME]"
            source = "" if spec.project else f" (the default of agent {role!r})"
            problems.append(f"{where}: unknown project {project!r}{source} (projects: {known})")
        if not -MAX_PRIORITY <= spec.priority <= MAX_PRIORITY:
            problems.append(f"{where}: priority must be within ±{MAX_PRIORITY}")
        if not isinstance(spec.mode, TaskMode):
            problems.append(f"{where}: mode must be one of {', '.join(m.value for m in TaskMode)}")
        for ref in spec.after:
            if isinstance(ref, int):
                if ref not in existing_ids:
                    problems.append(f"{where}: after #{ref}: no such task in the ledger")
            elif ref in key_index:
                if key_index[ref] == i:
                    problems.append(f"{where}: depends on itself")
                else:
                    edges[str(i)].append(str(key_index[ref]))
            elif ref not in existing_keys:
                problems.append(f"{where}: after {ref!r}: no task with that key")
    order: list[int] = []
    try:
        order = [int(n) for n in topo_order(list(edges), edges)]
    except CycleError as exc:
        problems.append("dependency cycle: " + " -> ".join(names[int(n)] for n in exc.cycle))
    if problems:
        raise SubmitError("\n".join(problems))
    position = {index: pos for pos, index in enumerate(order)}
    items: list[NewTask] = []
    for index in order:
        spec = specs[index]
        after_ids = {r for r in spec.after if isinstance(r, int)}
        after_ids |= {
            existing_keys[r] for r in spec.after if isinstance(r, str) and r not in key_index
        }
        after_batch = tuple(
            sorted(
                position[key_index[r]] for r in spec.after if isinstance(r, str) and r in key_index
            )
        )
        items.append(
            NewTask(
                title=_title(spec),
                prompt=spec.prompt,
                role=spec.role or default_agent,
                priority=spec.priority,
                mode=spec.mode.value,
                tags=spec.tags,
                key=spec.key,
                after_ids=tuple(sorted(after_ids)),
                after_batch=after_batch,
                goal_id=spec.goal_id,
                step=spec.step,
                output_schema=spec.output_schema,
                project=_project(spec, spec.role or default_agent, agent_projects),
            )
        )
    return PlannedBatch(items=items, order=order)
