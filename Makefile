# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install clean bench bench-verify

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

demo: $(STAMP)
	$(BIN)/tracker demo demo-store

# Benchmarks run on demand, never as part of `make test` (these machines are noisy).
bench: bench-verify

bench-verify: $(STAMP)
	$(BIN)/python benchmarks/bench_verify.py

clean:
	rm -rf $(VENV) demo-store
