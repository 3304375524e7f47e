"""Rich's console for the commands' tables (imported only by the commands that draw one)."""

from __future__ import annotations

from rich.console import Console

__all__ = ["QuietConsole"]


class QuietConsole(Console):
    """Rich's console, but a closed pipe ends the command like every other one does
    (quietly, exit 141, in ``cli.main``) instead of rich's own ``SystemExit(1)``."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError
