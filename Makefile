# regionmap — two commands: `make run` and `make test`.
# Works on Linux and macOS; on Windows use `pip install -r requirements.txt` and
# `streamlit run app.py` (the app prepares what is missing itself).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# the runtime requirements (make run, make serve) and the test/bench tools on top
# (make test, make bench): separate stamps, so make run installs only the former
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
# the port of make run and make serve: make run PORT=8502
PORT   ?= 8501

.PHONY: run dev serve setup test lint format bench clean help

help:
	@echo "make run    set up (venv, runtime requirements, boundary layers, database) and start the app"
	@echo "            on 127.0.0.1:$(PORT) (another port: make run PORT=8502)"
	@echo "make dev    the same, reloading the page when a source file is saved (for developers)"
	@echo "make serve  the same app for many viewers: one replica per core behind nginx"
	@echo "make test   ruff (lint + format check), then pytest, browser test included"
	@echo "make bench  run the benchmark harness (bench/), report in bench/results/"

$(RUN_STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP) requirements-dev.txt
	$(BIN)/python -m pip install -r requirements-dev.txt
	touch $(DEV_STAMP)

# builds the boundary layers and the database only where they are missing
# (in the folders the settings name: REGIONMAP_GEO_DIR, REGIONMAP_DB_PATH)
setup: $(RUN_STAMP)
	$(BIN)/python -m regionmap setup

# production settings (no file watcher, .streamlit/config.toml); the port opens once the
# default views are warm (regionmap.ui.replica: imports, then caches, then Streamlit)
run: setup
	$(BIN)/python -m regionmap.ui.replica run app.py --server.address 127.0.0.1 --server.port $(PORT)

# for developers: the page reruns when a source file is saved; no warm-up
dev: setup
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.fileWatcherType auto --server.runOnSave true

# many viewers: REPLICAS Streamlit processes (default: one per core) behind Debian's nginx
REPLICAS ?=
serve: setup
	$(BIN)/python -m regionmap serve --port $(PORT) $(if $(REPLICAS),--replicas $(REPLICAS))

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=15

bench: setup $(DEV_STAMP)
	$(BIN)/python -m bench

clean:  # the default locations only
	rm -rf geo/*.parquet geo/manifest.json static/layers data/regionmap.duckdb*
