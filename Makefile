# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-services lint eval bench clean

# Create the environment once; reinstall when the dependencies change.
# CPU torch goes first, or pip pulls a several-GB CUDA build for sentence-transformers.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/copilot demo --reset

test: $(STAMP)
	$(BIN)/ruff check copilot tools knowledge predictors evals ui tests
	HF_HUB_OFFLINE=1 $(BIN)/pytest -q -m "not services and not browser and not fuzz"

test-services: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/pytest -q -m "services or browser or fuzz"

# Every eval suite on a fresh state; fails when a metric drops below evals/thresholds.yaml.
eval: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/copilot eval --check --out var/eval/report.json

lint: $(STAMP)
	$(BIN)/ruff check copilot tools knowledge predictors evals ui tests
	$(BIN)/mypy

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
