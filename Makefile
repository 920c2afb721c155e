# `make run` and `make test` each set everything up on a fresh Debian machine (system
# packages, .venv, the package with its extras) and reuse what is there on later runs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean

run: $(STAMP)
	$(BIN)/empath $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# pip keeps built wheels (llama-cpp-python compiles for minutes) in its cache, so a rebuilt
# venv reinstalls them without compiling again.
$(STAMP): pyproject.toml constraints-cpu.txt tools/system-deps.sh
	./tools/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints-cpu.txt -e '.[train,dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
