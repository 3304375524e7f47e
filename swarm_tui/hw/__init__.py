"""swarm-tui."""
