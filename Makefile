# Two commands do everything on a fresh machine (Python 3.11, make, a C compiler):
#   make run    the control room on the embedded local model (or your config)
#   make test   lint, types, the import contract and the whole test suite
# Every install step lives here. uv is bootstrapped into .tools/, the project into .venv/
# from uv.lock; uv's cache (~/.cache/uv) keeps the llama-cpp-python wheel between runs.

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

.PHONY: setup run headless test check lint typecheck imports pytest lock bench clean crash-campaign crash-campaign-pg

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# Offline first: uv's cache already holds every locked package (and the llama-cpp-python
# wheel it built) after one online install; a fresh machine falls through to the registry.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --offline --extra local --extra postgres 2>/dev/null || $(UV) sync --frozen --extra local --extra postgres
	touch $@

setup: $(VENV)/.synced ## create .venv and install everything from uv.lock

DEMO ?= --tasks examples/tasks.toml

run: setup ## the control room with the demo tasks (ARGS="..." adds options, DEMO= skips the demo)
	$(BIN)/swarm-tui $(DEMO) $(ARGS)

headless: setup ## a headless run over the demo tasks, until the queue is idle
	$(BIN)/swarm-tui run --headless --tasks examples/tasks.toml --until-idle

lint: setup
	$(BIN)/ruff check swarm_tui tests $(wildcard bench)
	$(BIN)/ruff format --check swarm_tui tests $(wildcard bench)

typecheck: setup
	$(BIN)/mypy

imports: setup
	$(BIN)/lint-imports

pytest: setup
	$(BIN)/pytest -q $(PYTEST_ARGS)

check: lint typecheck imports

test: check pytest ## everything CI runs

KILLS ?= 200
crash-campaign: setup ## SIGKILL a headless run KILLS times at random moments; check nothing is lost
	$(BIN)/python -m tests.reliability.campaign --kills $(KILLS)

crash-campaign-pg: setup ## the same with two workers (two hosts) on one PostgreSQL ledger
	$(BIN)/python -m tests.reliability.campaign_pg --kills $(KILLS)

bench: setup ## benchmarks (bench/README.md) -> bench/RESULTS.md
	$(UV) sync --frozen --offline --extra local --extra postgres --group bench 2>/dev/null || $(UV) sync --frozen --extra local --extra postgres --group bench
	$(BIN)/python bench/ui_load.py $(BENCH_ARGS)
	$(BIN)/python bench/overhead.py $(OVERHEAD_ARGS)
	$(BIN)/python bench/scale.py $(SCALE_ARGS)
	$(BIN)/python bench/night.py $(NIGHT_ARGS)
	$(BIN)/python bench/real_model.py $(REAL_MODEL_ARGS)
	$(BIN)/python bench/feed.py $(FEED_ARGS)
	$(BIN)/python bench/attach.py $(ATTACH_ARGS)
	$(BIN)/python bench/ledger_hosts.py $(HOSTS_ARGS)
	$(BIN)/python bench/pg_restart.py

lock: $(UV)
	$(UV) lock

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache
