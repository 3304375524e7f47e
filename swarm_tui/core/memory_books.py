"""Each project's shared memory: in the ledger, or in Serena's memory files.

A :class:`MemoryBook` is one project's memory over the ledger's ``memories`` table. A
:class:`FileBook` is the memory of a project whose repository has Serena's memory folder
(``.serena/memories``): there the files are the truth and the ledger follows them.

- A write (tool, room) writes the file first, then the ledger, so the change feed carries it
  to every room.
- :meth:`FileBook.sync` brings the ledger in step with the folder: a file that is new or
  changed (by Serena, an editor, ``git pull``) is put in the ledger with author
  :data:`FILE_AUTHOR`, an entry whose file is gone is removed. Every read syncs first, and a
  watcher (``memory_sync``) syncs every half second, so a change Serena made shows in the
  room's memory screen within about a second.
- When the folder holds no memory file yet and the ledger holds entries of the project (the
  swarm's memory from before Serena was set up), the first sync writes them out as files.

``on_change(project, name)`` hears of every change a book made (its own writes and what a
sync found), so the process that made it can tell its own room.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from swarm_tui.config import Settings
from swarm_tui.core.memory_files import (
    FileSig,
    file_name_problem,
    memory_path,
    read_memory_file,
    scan_memories,
    serena_folder,
    write_memory_file,
)
from swarm_tui.store.tools import MemoryEntry, ToolStore

__all__ = ["FILE_AUTHOR", "FileBook", "MemoryBook", "MemoryBooks", "MemoryNameError"]

FILE_AUTHOR = "serena"
"""The author recorded for a memory file changed outside the swarm (Serena, mostly)."""

OnChange = Callable[[str, str], None]


class MemoryNameError(ValueError):
    """A name the book cannot store (the message says why)."""


class MemoryBook:
    """One project's memory in the ledger."""

    def __init__(
        self,
        store: ToolStore,
        project: str,
        *,
        clock: Callable[[], float] = time.time,
        on_change: OnChange | None = None,
    ) -> None:
        self.store = store
        self.project = project
        self.clock = clock
        self.on_change = on_change

    def _told(self, *names: str) -> None:
        if self.on_change is not None:
            for name in names:
                self.on_change(self.project, name)

    async def get(self, name: str) -> MemoryEntry | None:
        return await self.store.memory(self.project, name)

    async def entries(self, prefix: str = "") -> list[MemoryEntry]:
        return await self.store.memories(self.project, prefix)

    async def put(self, name: str, content: str, author: str) -> None:
        await self.store.put_memory(self.project, name, content, author, self.clock())
        self._told(name)

    async def update(self, name: str, change: Callable[[str], str], author: str) -> bool:
        """Read-modify-write; ``change`` may raise to abort. False: no such memory."""
        done = await self.store.update_memory(self.project, name, change, author, self.clock())
        if done:
            self._told(name)
        return done

    async def delete(self, name: str) -> bool:
        done = await self.store.delete_memory(self.project, name)
        if done:
            self._told(name)
        return done

    async def rename(self, old: str, new: str, author: str) -> str | None:
        """None when renamed, else why not."""
        problem = await self.store.rename_memory(self.project, old, new, author, self.clock())
        if problem is None:
            self._told(old, new)
        return problem

    async def sync(self) -> list[str]:
        """Names the ledger changed to follow files (none: the ledger is the truth here)."""
        return []


class FileBook(MemoryBook):
    """One project's memory in Serena's folder, the ledger kept in step."""

    def __init__(
        self,
        store: ToolStore,
        project: str,
        folder: Path,
        *,
        clock: Callable[[], float] = time.time,
        on_change: OnChange | None = None,
    ) -> None:
        super().__init__(store, project, clock=clock, on_change=on_change)
        self.folder = folder
        self.lock = asyncio.Lock()
        self._seen: dict[str, FileSig] = {}
        self._synced = False

    def _path(self, name: str) -> Path:
        problem = file_name_problem(name)
        if problem is not None:
            raise MemoryNameError(problem)
        return memory_path(self.folder, name)

    # ------------------------------------------------------------------ files -> ledger
    async def sync(self) -> list[str]:
        async with self.lock:
            changed = await self._sync()
        self._told(*changed)
        return changed

    async def _sync(self) -> list[str]:
        files = await asyncio.to_thread(scan_memories, self.folder)
        kept = {e.name: e for e in await self.store.memories(self.project)}
        changed: list[str] = []
        if not self._synced and not files and kept:
            for before in kept.values():  # the swarm's memory from before: written out once
                if file_name_problem(before.name) is None:
                    path = memory_path(self.folder, before.name)
                    self._seen[before.name] = write_memory_file(path, before.content)
            self._synced = True
            return changed
        self._synced = True
        for name, (path, sig) in files.items():
            entry = kept.get(name)
            if entry is not None and self._seen.get(name) == sig:
                continue
            content = await asyncio.to_thread(read_memory_file, path)
            if content is None:
                continue
            self._seen[name] = sig
            if entry is None or entry.content != content:
                await self.store.put_memory(
                    self.project, name, content, FILE_AUTHOR, sig.mtime_ns / 1e9
                )
                changed.append(name)
        for name in kept.keys() - files.keys():
            if await self.store.delete_memory(self.project, name):
                changed.append(name)
            self._seen.pop(name, None)
        return changed

    # ------------------------------------------------------------------ reads: files first
    async def get(self, name: str) -> MemoryEntry | None:
        if file_name_problem(name) is not None:
            return None
        await self.sync()
        return await self.store.memory(self.project, name)

    async def entries(self, prefix: str = "") -> list[MemoryEntry]:
        await self.sync()
        return await self.store.memories(self.project, prefix)

    # ------------------------------------------------------------------ writes: file, ledger
    async def _write(self, name: str, content: str, author: str) -> None:
        path = self._path(name)
        self._seen[name] = await asyncio.to_thread(write_memory_file, path, content)
        await self.store.put_memory(self.project, name, content, author, self.clock())

    async def put(self, name: str, content: str, author: str) -> None:
        async with self.lock:
            await self._sync()
            await self._write(name, content, author)
        self._told(name)

    async def update(self, name: str, change: Callable[[str], str], author: str) -> bool:
        async with self.lock:
            await self._sync()
            path = self._path(name)
            text = await asyncio.to_thread(read_memory_file, path)
            if text is None:
                return False
            await self._write(name, change(text), author)
        self._told(name)
        return True

    async def delete(self, name: str) -> bool:
        if file_name_problem(name) is not None:
            return False
        async with self.lock:
            await self._sync()
            path = self._path(name)
            try:
                path.unlink()
            except FileNotFoundError:
                return False
            self._seen.pop(name, None)
            await self.store.delete_memory(self.project, name)
        self._told(name)
        return True

    async def rename(self, old: str, new: str, author: str) -> str | None:
        async with self.lock:
            await self._sync()
            source, target = self._path(old), self._path(new)
            if target.exists():
                return f"memory {new!r} already exists"
            text = await asyncio.to_thread(read_memory_file, source)
            if text is None:
                return f"no memory named {old!r}"
            await self._write(new, text, author)
            source.unlink(missing_ok=True)
            self._seen.pop(old, None)
            await self.store.delete_memory(self.project, old)
        self._told(old, new)
        return None


class MemoryBooks:
    """The books of every project: a :class:`FileBook` where the project's repository has
    Serena's memory folder (looked for again while it has none), else a ledger book."""

    def __init__(
        self,
        store: ToolStore,
        settings: Settings | None = None,
        *,
        default_project: str = "default",
        clock: Callable[[], float] = time.time,
        on_change: OnChange | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.default_project = default_project
        self.clock = clock
        self.on_change = on_change
        self._books: dict[str, MemoryBook] = {}

    def book(self, project: str | None = None) -> MemoryBook:
        project = project or self.default_project
        known = self._books.get(project)
        if isinstance(known, FileBook):
            return known
        folder = serena_folder(self.settings, project) if self.settings is not None else None
        if folder is not None:
            made: MemoryBook = FileBook(
                self.store, project, folder, clock=self.clock, on_change=self.on_change
            )
        elif known is not None:
            return known
        else:
            made = MemoryBook(self.store, project, clock=self.clock, on_change=self.on_change)
        self._books[project] = made
        return made

    def projects(self) -> list[str]:
        """The default project, then every configured one."""
        names = list(self.settings.projects) if self.settings is not None else []
        return [self.default_project, *(n for n in names if n != self.default_project)]

    def file_books(self) -> list[FileBook]:
        """The books kept in Serena's folders now."""
        return [b for b in (self.book(p) for p in self.projects()) if isinstance(b, FileBook)]

    async def all_entries(self) -> list[MemoryEntry]:
        """Every project's entries: the default project's first, then by project and name."""
        found: list[MemoryEntry] = []
        for project in self.projects():
            found += await self.book(project).entries()
        return found
