"""Evals: measured quality against cost for models, mixes, consensus settings and cascades.

A layer above the core: eval sets (``sets``), their judges (``judges``), the runs through
:class:`~swarm_tui.core.control.Control` as ordinary tasks (``engine``), the statistics
(``stats``) and the table and plot (``table``, ``plot``).
"""
