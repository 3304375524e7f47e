"""Goals: a request planned into a graph of role tasks, run, reviewed and synthesised, with
its figures (tokens per model, cost, saving, time, quality, rounds). Built on ``Control``."""
