"""A task as the commands print it with ``--json``."""

from __future__ import annotations

from typing import Any

from swarm_tui.domain.models import Task

__all__ = ["task_json"]


def task_json(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "state": task.state.value,
        "role": task.role,
        "agent": task.agent,
        "provider": task.provider,
        "model": task.model,
        "priority": task.priority,
        "after": list(task.after),
        "tokens_in": task.tokens_in,
        "tokens_out": task.tokens_out,
        "cost_usd": round(task.cost_usd, 6),
        "attempts": task.attempts,
        "error": task.error,
        "held": task.held,
        "project": task.project,
    }
