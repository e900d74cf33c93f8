# One command to set up and run the demo, one to set up and run every check (CI runs `make test`).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1

.PHONY: demo test check lint typecheck pytest corpus wheel constraints bench quality clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)  ## serve the bundled offline site on loopback and ingest it into demo.duckdb
	$(BIN)/parallax demo

test: lint typecheck corpus pytest wheel  ## everything CI runs

check: test

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

corpus: $(STAMP)  ## the committed demo site matches its stories
	$(BIN)/python scripts/build_demo_site.py --check

pytest: $(STAMP)
	$(BIN)/pytest

wheel: $(STAMP)  ## build the wheel, install it in a fresh virtualenv elsewhere, run the demo there
	$(BIN)/python scripts/check_wheel.py

bench: $(STAMP)  ## speed figures, as ratios against same-process baselines
	$(BIN)/python bench/ingest_throughput.py

quality: $(STAMP)  ## clustering, quote and claim quality on the demo labels (pinned floors)
	$(BIN)/python bench/cluster_quality.py
	$(BIN)/python bench/quote_quality.py
	$(BIN)/python bench/claims_quality.py

constraints: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^parallax' > constraints.tmp
	{ head -2 constraints.txt; cat constraints.tmp; } > constraints.new && rm constraints.tmp
	mv constraints.new constraints.txt

clean:
	rm -rf $(VENV) build dist demo.duckdb demo-past.duckdb demo-report demo-past-report .pytest_cache .mypy_cache .ruff_cache
