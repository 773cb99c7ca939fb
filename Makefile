# Every target creates .venv when missing and installs into it.
# torch is pinned to 2.13.0: the CPU build (an unpinned torch pulls a multi-GB CUDA build).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-0.1
TORCH  := torch==2.13.0
JOBS   ?= auto

.PHONY: venv test report report-diff seed bench fuzz clean

FUZZ_SECONDS ?= 600

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -e '.[test,report]' $(TORCH)
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) -q

# The mutant kill table and the digits loss curves first: the HTML report embeds both.
# The header's wall time counts from the start; README's headline follows the new report
# (also when a run fails: the report is written all the same, and make exits 1).
report: $(STAMP)
	t0=$$(date +%s); set -e; \
	$(BIN)/python -m parity_tests mutants --out reports; \
	$(BIN)/python scripts/train_digits.py --dtype float64 --quiet \
	    --json reports/training_digits.json --plot reports/training_digits.png; \
	rc=0; $(BIN)/python -m parity_tests report --out reports --clock-start $$t0 || rc=$$?; \
	$(BIN)/python -m parity_tests readme --write README.md; exit $$rc

# Like report, and lists rows whose error grew against the committed report.
report-diff: $(STAMP)
	$(BIN)/python -m parity_tests report --out reports --baseline reports/parity_report.json.gz

seed: $(STAMP)
	$(BIN)/python scripts/seed_examples.py

# The bench extra (onnx, for the report-only peer rows) once; without it those rows are skipped.
$(VENV)/.bench-0.1: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[bench]' $(TORCH) || echo "bench extra not installed: the ONNX peer rows are skipped"
	touch $@

bench: $(STAMP) $(VENV)/.bench-0.1
	$(BIN)/python -m parity_tests.bench --out reports

fuzz: $(STAMP)
	$(BIN)/python -m parity_tests.fuzz --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) .pytest_cache reports/.partial
