# Two entry points: `make reproduce` (the main job) and `make test` (the whole suite).
# Both create .venv and install what they need, so they work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# torch is an optional extra; this CPU build lies on the project's machines (no big download).
TORCH  ?= torch==2.13.0

.PHONY: reproduce demo test install install-test clean clean-kernels

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

# numba caches compiled kernels beside the sources and checks a kernel's cache against its
# own file only: after editing a function that kernels in other files call, drop them all.
clean-kernels:
	find src -name '*.nbi' -delete -o -name '*.nbc' -delete

clean: clean-kernels
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .hypothesis
