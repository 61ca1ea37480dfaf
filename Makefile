# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install clean bench bench-full bench-verify

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
# make bench: 1,000 and 10,000 cases (about 10 minutes on 2 cores); make bench-full: 10,000 cases
# and 100,000 commits, as the targets are stated (about an hour: git log --format=%G? over
# 100,000 commits alone takes 45 minutes). BENCH_ARGS passes more options, e.g. BENCH_ARGS="--workdir /tmp/tb" to keep the stores.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_suite.py $(BENCH_ARGS)

bench-full: $(STAMP)
	$(BIN)/python benchmarks/bench_suite.py --sizes 1000:10000,10000:100000 $(BENCH_ARGS)

bench-verify: $(STAMP)
	$(BIN)/python benchmarks/bench_verify.py

clean:
	rm -rf $(VENV) demo-store
