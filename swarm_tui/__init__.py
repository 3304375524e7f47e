"""swarm-tui: a terminal control room for a swarm of AI agents."""

__version__ = "0.1.0"
