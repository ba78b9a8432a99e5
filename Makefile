# Two entry points: `make reproduce` (the main job) and `make test` (the whole suite).
# Both create .venv and install what they need, so they work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# torch is an optional extra; this CPU build lies on the project's machines (no big download).
TORCH  ?= torch==2.13.0

.PHONY: reproduce demo test install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[full]'

install-test: install
	$(BIN)/python -m pip install --quiet '$(TORCH)'
	$(BIN)/python -m pip install --quiet -e '.[test]'

reproduce: install
	$(BIN)/rnnchaos reproduce --quick --out rnnchaos-report

demo: install
	$(BIN)/rnnchaos demo

test: install-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .hypothesis
