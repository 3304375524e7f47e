"""The ledger on PostgreSQL (``[storage] url``): the same contract as the SQLite ledger, for
workers on several hosts sharing one queue. Only :mod:`swarm_tui.store.pg` imports psycopg,
and nothing on the SQLite path imports this package (``core/opening.py`` does, lazily, when
a URL is configured)."""
