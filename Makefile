# The two commands of the README: `make demo` and `make test`. Each does all set-up itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A CPU build of torch that lies on these machines' disk; unpinned torch pulls a CUDA build.
TORCH_PIN := torch==2.13.0
LOGDIR ?= deepscope-logs

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_PIN)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo_digits.py --logdir $(LOGDIR)
	$(BIN)/deepscope ls $(LOGDIR)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/bench_scalars.py

clean:
	rm -rf $(VENV) $(LOGDIR) .pytest_cache .hypothesis
