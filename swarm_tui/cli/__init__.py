"""Every command line entry point: the parser and the commands behind ``swarm-tui``."""
