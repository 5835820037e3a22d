# regionmap — two commands: `make run` and `make test`.
# Works on Linux and macOS; on Windows use `pip install -r requirements.txt` and
# `streamlit run app.py` (the app prepares what is missing itself).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run serve setup test lint format bench clean help

help:
	@echo "make run    set up (venv, requirements, boundary layers, database) and start the app"
	@echo "make serve  the same app for many viewers: one replica per core behind nginx"
	@echo "make test   ruff (lint + format check), then pytest, browser test included"
	@echo "make bench  run the benchmark harness (bench/), report in bench/results/"

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements-dev.txt
	touch $(STAMP)

# builds the boundary layers and the database only where they are missing
# (in the folders the settings name: REGIONMAP_GEO_DIR, REGIONMAP_DB_PATH)
setup: $(STAMP)
	$(BIN)/python -m regionmap setup

run: setup
	$(BIN)/streamlit run app.py --server.address 127.0.0.1

# many viewers: REPLICAS Streamlit processes (default: one per core) behind Debian's nginx
REPLICAS ?=
PORT     ?= 8501
serve: setup
	$(BIN)/python -m regionmap serve --port $(PORT) $(if $(REPLICAS),--replicas $(REPLICAS))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest --durations=15

bench: setup
	$(BIN)/python -m bench

clean:  # the default locations only
	rm -rf geo/*.parquet geo/manifest.json static/layers data/regionmap.duckdb*
