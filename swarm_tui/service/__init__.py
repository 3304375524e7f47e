"""The detached orchestrator: a service per ledger, its lock, its Unix socket and protocol,
and the client that attaches to it (``swarm-tui up`` / ``down``)."""
