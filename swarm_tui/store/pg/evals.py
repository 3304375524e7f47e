"""Eval runs, results, pairwise verdicts and shadow samples on PostgreSQL (``store/evals.py``
in PostgreSQL's dialect; ``INSERT OR IGNORE`` is ``ON CONFLICT DO NOTHING``): the same records."""

from __future__ import annotations

import json
from collections.abc import Sequence

from swarm_tui.domain.evals import EvalResult, EvalRunRow, ShadowSample
from swarm_tui.store.evals import _result, _run, _shadow
from swarm_tui.store.pg.connect import PgConn
from swarm_tui.store.pg.reader import PgReader
from swarm_tui.store.pg.writer import PgWriter

__all__ = ["PgEvals"]

_RESULT_COLUMNS = (
    "run_id, case_id, config, rep, task_ids, model, role, answer, passed, score, reason,"
    " escalated, cost_usd, tokens_in, tokens_out, latency_ms, created_at"
)
_SHADOW_COLUMNS = "task_id, shadow_task_id, role, model, baseline, verdict, cost_usd, created_at"
_RUN_COLUMNS = "id, name, set_name, set_digest, configs, repeat, judge, created_at"


class PgEvals:
    def __init__(self, reader: PgReader, writer: PgWriter) -> None:
        self._rows = reader.rows
        self.writer = writer

    async def eval_run(self, name: str) -> EvalRunRow | None:
        rows = await self._rows(f"SELECT {_RUN_COLUMNS} FROM eval_runs WHERE name = %s", (name,))
        return _run(rows[0]) if rows else None  # type: ignore[arg-type]

    async def eval_runs(self) -> list[EvalRunRow]:
        rows = await self._rows(f"SELECT {_RUN_COLUMNS} FROM eval_runs ORDER BY id")
        return [_run(r) for r in rows]  # type: ignore[arg-type]

    async def add_eval_run(
        self, name: str, set_name: str, digest: str, configs: Sequence[str], repeat: int,
        judge: str | None, now: float,
    ) -> EvalRunRow:  # fmt: skip
        """The run named ``name``, made now unless it exists (then it is returned as is)."""

        async def op(conn: PgConn) -> None:
            await conn.execute(
                """INSERT INTO eval_runs (name, set_name, set_digest, configs, repeat, judge,
                   created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (name) DO NOTHING""",
                (name, set_name, digest, json.dumps(list(configs)), repeat, judge, now),
            )

        await self.writer.run(op)
        run = await self.eval_run(name)
        assert run is not None
        return run

    async def save_eval_result(self, r: EvalResult) -> bool:
        """Record a result; False when this case, configuration and repeat already has one
        (it is never measured twice)."""

        async def op(conn: PgConn) -> bool:
            cur = await conn.execute(
                f"INSERT INTO eval_results ({_RESULT_COLUMNS}) VALUES"
                " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (
                    r.run_id, r.case_id, r.config, r.rep, json.dumps(list(r.task_ids)), r.model,
                    r.role, r.answer, None if r.passed is None else int(r.passed), r.score,
                    r.reason, int(r.escalated), r.cost_usd, r.tokens_in, r.tokens_out,
                    r.latency_ms, r.created_at,
                ),
            )  # fmt: skip
            return cur.rowcount == 1

        done: bool = await self.writer.run(op)
        return done

    async def eval_results(self, run_id: int) -> list[EvalResult]:
        rows = await self._rows(
            f"SELECT {_RESULT_COLUMNS} FROM eval_results WHERE run_id = %s"
            ' ORDER BY case_id COLLATE "C", config COLLATE "C", rep',
            (run_id,),
        )
        return [_result(r) for r in rows]  # type: ignore[arg-type]

    async def eval_evidence(self) -> list[EvalResult]:
        """Every eval result with a model and a verdict (routing's quality evidence)."""
        rows = await self._rows(
            f"SELECT {_RESULT_COLUMNS} FROM eval_results WHERE model IS NOT NULL"
            " AND (passed IS NOT NULL OR score IS NOT NULL) ORDER BY created_at"
        )
        return [_result(r) for r in rows]  # type: ignore[arg-type]

    async def save_eval_pair(
        self, run_id: int, case_id: str, a: str, b: str, rep: int, verdict: str, now: float
    ) -> None:
        """A pairwise verdict on ``a`` against ``b`` for one case and repeat (once)."""

        async def op(conn: PgConn) -> None:
            await conn.execute(
                "INSERT INTO eval_pairs (run_id, case_id, a, b, rep, verdict, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (run_id, case_id, a, b, rep, verdict, now),
            )

        await self.writer.run(op)

    async def eval_pairs(self, run_id: int) -> list[tuple[str, str, str, int, str]]:
        """``(case_id, a, b, rep, verdict)`` of a run's pairwise verdicts."""
        rows = await self._rows(
            "SELECT case_id, a, b, rep, verdict FROM eval_pairs WHERE run_id = %s"
            ' ORDER BY case_id COLLATE "C", rep',
            (run_id,),
        )
        return [(r[0], r[1], r[2], int(r[3]), r[4]) for r in rows]

    async def add_shadow(
        self, task_id: int, role: str, model: str, baseline: str, now: float
    ) -> bool:
        """A sample of ``task_id`` taken (once: False when it already was)."""

        async def op(conn: PgConn) -> bool:
            cur = await conn.execute(
                "INSERT INTO shadow_samples (task_id, role, model, baseline, created_at)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (task_id, role, model, baseline, now),
            )
            return cur.rowcount == 1

        done: bool = await self.writer.run(op)
        return done

    async def update_shadow(
        self, task_id: int, now: float, *, shadow_task_id: int | None = None,
        verdict: str | None = None, cost_usd: float | None = None,
    ) -> None:  # fmt: skip
        async def op(conn: PgConn) -> None:
            if shadow_task_id is not None:
                await conn.execute(
                    "UPDATE shadow_samples SET shadow_task_id = %s WHERE task_id = %s",
                    (shadow_task_id, task_id),
                )
            if cost_usd is not None:
                await conn.execute(
                    "UPDATE shadow_samples SET cost_usd = %s WHERE task_id = %s",
                    (cost_usd, task_id),
                )
            if verdict is not None:
                await conn.execute(
                    "UPDATE shadow_samples SET verdict = %s, decided_at = %s WHERE task_id = %s",
                    (verdict, now, task_id),
                )

        await self.writer.run(op)

    async def shadow_samples(self, since: float | None = None) -> list[ShadowSample]:
        rows = await self._rows(
            f"SELECT {_SHADOW_COLUMNS} FROM shadow_samples WHERE created_at >= %s ORDER BY task_id",
            (since or 0.0,),
        )
        return [_shadow(r) for r in rows]  # type: ignore[arg-type]
