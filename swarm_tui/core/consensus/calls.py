"""What a consensus run needs from the rest of the swarm: the engine's ``answer``/``vote``
callable over the configured providers, and the per-model figures a record leaves for the
ledger.

Every reply is masked by the redactor before the engine sees it, so no key reaches a record,
a ballot or the screen; every call is priced with its model's prices.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from swarm_tui.config import Settings
from swarm_tui.core.consensus import Answer
from swarm_tui.core.consensus.rows import model_figures, row_of
from swarm_tui.core.router import split_ref
from swarm_tui.core.toolloop import ToolLoop, add_usage
from swarm_tui.core.usage_estimate import TurnMeter
from swarm_tui.domain.redact import Redactor
from swarm_tui.providers.base import (
    ChatMessage,
    ChildWatch,
    Done,
    Provider,
    StreamRequest,
    TextDelta,
    ToolCall,
    Usage,
)
from swarm_tui.providers.pricing import price

__all__ = ["CONSENSUS", "ModelCaller", "model_figures", "row_of"]

CONSENSUS = "consensus"
"""The ``provider`` of a consensus run's attempt (its calls go to many providers)."""


@dataclass
class ModelCaller:
    """``await caller(ref, messages)``: one non-streaming-to-the-user call of ``ref``;
    returns its masked text, usage and cost, and adds them to the caller's totals."""

    settings: Settings
    providers: Mapping[str, Provider]
    redactor: Redactor
    on_token: Callable[[], None] | None = None
    gate: Callable[[str], AbstractAsyncContextManager[None]] | None = None
    """A slot per call under its provider's limit (see :class:`ProviderSlots`), given the
    call's ``provider/model``."""
    watch: ChildWatch | None = None
    """Told of the agent CLI processes the calls start (the run's attempt records them)."""
    usage: Usage | None = None
    cost: float = 0.0

    async def __call__(
        self,
        ref: str,
        messages: Sequence[ChatMessage],
        workdir: str | None = None,
        tools: ToolLoop | None = None,
    ) -> Answer:
        """``tools``: an API model's tool loop (consensus over code: the workspace tools of
        its own worktree); the model's turns go on until it asks for no more tools."""
        provider_name, model_name = split_ref(ref)
        provider = self.providers.get(provider_name)
        config = self.settings.providers.get(provider_name)
        if provider is None or config is None or model_name not in config.models:
            raise RuntimeError(f"model {ref} is not configured")
        model = config.models[model_name]
        request = StreamRequest(
            model=model_name,
            messages=tuple(messages),
            max_tokens=model.max_tokens,
            temperature=model.temperature,
            workdir=workdir,
            watch=self.watch,
        )
        parts: list[str] = []
        meter = TurnMeter.of(request.messages)
        try:
            if tools is not None:
                request = await tools.prepare(request)
            async with self.gate(ref) if self.gate else contextlib.nullcontext():
                usage = await self._turns(provider, request, parts, meter, tools)
        except Exception as exc:  # the engine records it as this candidate's failure
            billed = meter.interrupted()  # what a cut reply was billed still counts
            if billed is not None:
                self.usage = add_usage(self.usage, billed)
                self.cost += price(model, billed)
            raise RuntimeError(self.redactor(str(exc)) or type(exc).__name__) from None
        cost = price(model, usage or Usage(None, None, source="unknown"))
        self.usage = add_usage(self.usage, usage) if usage is not None else self.usage
        self.cost += cost
        return Answer(self.redactor("".join(parts)), usage, cost)

    async def _turns(
        self,
        provider: Provider,
        request: StreamRequest,
        parts: list[str],
        meter: TurnMeter,
        tools: ToolLoop | None,
    ) -> Usage | None:
        """The model's turns: one, or (with a tool loop) until it asks for no more tools.
        The answer is the last turn's text; the usage adds up."""
        total: Usage | None = None
        while True:
            turn: list[str] = []
            calls: list[ToolCall] = []
            usage = await self._stream(provider, request, turn, meter, calls)
            total = add_usage(total, usage) if usage is not None else total
            if tools is None or not calls:
                parts.extend(turn)
                return total
            request = await tools.answer(request, "".join(turn), calls)
            meter = TurnMeter.of(request.messages)

    async def _stream(
        self,
        provider: Provider,
        request: StreamRequest,
        parts: list[str],
        meter: TurnMeter,
        calls: list[ToolCall] | None = None,
    ) -> Usage | None:
        """Stream one reply's text into ``parts``; returns its (last) usage. ``meter`` keeps
        what was reported and streamed, should the stream end early."""
        usage: Usage | None = None
        await provider.start()
        async for event in provider.stream(request):
            if isinstance(event, TextDelta):
                parts.append(event.text)
                meter.streamed(event.text)
                if self.on_token is not None:
                    self.on_token()
            elif isinstance(event, Usage):
                usage = event
                meter.report(event)
            elif isinstance(event, ToolCall) and calls is not None:
                calls.append(event)
            elif isinstance(event, Done):
                break
        return usage
