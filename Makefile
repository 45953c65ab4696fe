# The two commands of the README: `make demo` and `make test`. Each does all set-up itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A CPU build of torch that lies on these machines' disk; unpinned torch pulls a CUDA build.
TORCH_PIN := torch==2.13.0
LOGDIR ?= deepscope-logs
PORT ?= 6007
# The web UI, built by Vite into the Python package (served by `deepscope serve`, shipped in the
# wheel). Rebuilt whenever a source under web/ changes; npm ci runs when the lockfile does.
STATIC_INDEX := src/deepscope/server/static/index.html
WEB_DEPS := web/node_modules/.package-lock.json
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html \
	web/package.json web/package-lock.json web/vite.config.ts web/tsconfig.json

.PHONY: demo test lint bench clean web

web:
	cd web && npm ci --no-audit --no-fund && npm run build

$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_DEPS)

$(STATIC_INDEX): $(WEB_DEPS) $(WEB_SOURCES)
	cd web && npm run build

# The UI is order-only: a rebuilt UI needs no reinstall (the package is installed editable).
$(STAMP): pyproject.toml Makefile | $(STATIC_INDEX)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_PIN)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Train in the background and serve the logdir: the charts fill in live. Ctrl+C stops both.
demo: $(STAMP)
	@echo "demo: training in the background (output in deepscope-demo.log)"
	@$(BIN)/python examples/demo_digits.py --logdir $(LOGDIR) --epochs 60 --watch 20 --delay 0.03 \
		> deepscope-demo.log 2>&1 & \
	train=$$!; trap 'kill $$train 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq 150); do $(BIN)/deepscope ls $(LOGDIR) > /dev/null 2>&1 && break; sleep 0.2; done; \
	$(BIN)/deepscope serve $(LOGDIR) --host 127.0.0.1 --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/bench_scalars.py

clean:
	rm -rf $(VENV) $(LOGDIR) .pytest_cache .hypothesis web/node_modules deepscope-demo.log
	find src/deepscope/server/static -mindepth 1 ! -name .gitkeep -delete 2>/dev/null || true
