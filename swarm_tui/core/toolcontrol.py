"""The orchestrator's tools: attach the MCP hub, give an attempt its tool loop, answer
approvals, edit shared memory.

A part of :class:`~swarm_tui.core.control.Control`, which offers these methods to the TUI and
the CLI (they never use the gate or the ledger directly).
"""

from __future__ import annotations

from collections.abc import Callable

from swarm_tui.config import CLI_KINDS, AgentConfig, Settings
from swarm_tui.core.approvals import ApprovalGate, PendingApproval
from swarm_tui.core.bus import EventBus
from swarm_tui.core.errors import ControlError
from swarm_tui.core.memory_books import FileBook, MemoryBooks, MemoryNameError
from swarm_tui.core.memory_files import memory_path
from swarm_tui.core.toolloop import ToolHost, ToolLoop
from swarm_tui.core.workspace_tools import WorkspaceHost
from swarm_tui.domain.events import Notice, RecordChanged
from swarm_tui.domain.models import Attempt
from swarm_tui.domain.redact import Redactor
from swarm_tui.store.ledger import Ledger
from swarm_tui.store.tools import MemoryEntry

__all__ = ["DEFAULT_PROJECT", "Tools"]

DEFAULT_PROJECT = "default"


class Tools:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        bus: EventBus,
        redactor: Redactor,
        clock: Callable[[], float],
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.bus = bus
        self.redactor = redactor
        self.clock = clock
        self.tool_host: ToolHost | None = None
        self.gate: ApprovalGate | None = None
        self.project = DEFAULT_PROJECT
        self.interactive = False
        """A human can answer approvals (also for a gate made later, for workspace tools)."""
        self.books = MemoryBooks(
            ledger, settings, default_project=self.project, clock=clock, on_change=self._told
        )
        """Every project's memory (Serena's files where a project has them); the hub's
        memory tools and its watcher use these same books."""

    def _told(self, project: str, name: str) -> None:
        self.bus.publish(RecordChanged("memory", f"{project}/{name}"))

    def attach_tools(self, host: ToolHost, *, interactive: bool = False) -> ApprovalGate:
        """Give API-model agents the hub's tools; ``interactive`` when a human can approve."""
        self.tool_host = host
        self.gate = ApprovalGate(
            self.settings.mcp,
            self.ledger,
            self.clock,
            notify=lambda text: self.bus.publish(Notice("warning", text)),
        )
        self.gate.interactive = self.interactive = interactive
        return self.gate

    def set_interactive(self, interactive: bool) -> None:
        """The control room is open (``ask`` waits for a human) or not (``headless_ask``)."""
        self.interactive = interactive
        if self.gate is not None:
            self.gate.interactive = interactive

    def tool_loop(
        self,
        attempt: Attempt,
        agent_name: str,
        agent: AgentConfig,
        workspace: bool = False,
        project: str | None = None,
    ) -> tuple[ToolLoop | None, WorkspaceHost | None]:
        """The tool loop of an API-model attempt (None: it runs without tools) and, for a
        coding task (``workspace``), the host of its workspace tools (given the worktree
        once it is open). Workspace tools pass the same approval gate as the hub's."""
        provider = self.settings.providers.get(attempt.provider)
        if provider is None or provider.kind in CLI_KINDS:
            return None, None  # agent CLIs run their own tools (they get `mcp-serve` instead)
        host: ToolHost | None = self.tool_host
        gate = self.gate
        workspace_host: WorkspaceHost | None = None
        if workspace:

            async def refused(tool: str, path: str, reason: str) -> None:
                await self.ledger.record_refusal(
                    attempt.task_id, attempt.id, tool, path, reason, self.clock()
                )
                self.bus.publish(Notice("warning", f"task #{attempt.task_id}: {tool} {reason}"))

            host = workspace_host = WorkspaceHost(self.tool_host, refused)
            if gate is None:
                gate = self._workspace_gate()
        elif host is None or (not agent.mcp_servers and not self.settings.mcp.memory):
            return None, None
        if host is None or gate is None:
            return None, None
        return ToolLoop(
            host=host,
            gate=gate,
            config=self.settings.mcp,
            store=self.ledger,
            bus=self.bus,
            redactor=self.redactor,
            agent=agent_name,
            allow=list(agent.mcp_servers),
            first_choice=agent.tool_choice,
            task_id=attempt.task_id,
            attempt_id=attempt.id,
            clock=self.clock,
            project=project,
        ), workspace_host

    def _workspace_gate(self) -> ApprovalGate:
        """The gate workspace tools pass when no MCP hub is attached (same policies)."""
        self.gate = ApprovalGate(
            self.settings.mcp,
            self.ledger,
            self.clock,
            notify=lambda text: self.bus.publish(Notice("warning", text)),
        )
        self.gate.interactive = self.interactive
        return self.gate

    # ------------------------------------------------------------------ approvals
    def pending_approvals(self) -> list[PendingApproval]:
        """Tool calls waiting for a human, oldest first."""
        if self.gate is None:
            return []
        # An answered call leaves ``pending`` only once its waiter resumes: not shown meanwhile.
        waiting = (p for p in self.gate.pending.values() if not p.future.done())
        return sorted(waiting, key=lambda p: p.id)

    def approve(self, approval_id: int, *, always: bool = False) -> bool:
        """Let a held call run (``always``: and later calls of that tool by that agent, until
        its definition changes). False when it is no longer pending."""
        return self.gate is not None and self.gate.answer(
            approval_id, "always" if always else "once"
        )

    def deny(self, approval_id: int) -> bool:
        """Refuse a held call: the tool does not run; the model is told it was denied."""
        return self.gate is not None and self.gate.answer(approval_id, "deny")

    # ------------------------------------------------------------------ shared memory
    async def memories(self) -> list[MemoryEntry]:
        """Every project's entries: the swarm's own (default) project first."""
        return await self.books.all_entries()

    async def save_memory(
        self, name: str, content: str, author: str = "human", project: str | None = None
    ) -> None:
        try:
            await self.books.book(project).put(name, content, author)
        except MemoryNameError as exc:
            raise ControlError(f"memory {name!r}: {exc}") from None

    async def remove_memory(self, name: str, project: str | None = None) -> bool:
        return await self.books.book(project).delete(name)

    async def memory_file(self, name: str, project: str | None = None) -> str | None:
        """The file a project's memory ``name`` is kept in (None: it is kept in the ledger)."""
        book = self.books.book(project)
        if not isinstance(book, FileBook):
            return None
        try:
            return str(memory_path(book.folder, name))
        except ValueError:
            return None
