# The README's two commands: `make demo` and `make test`. Both install what they need first.
PYTHON ?= python3
PIP_FLAGS ?=

.PHONY: install data demo test test-slow bench bench-gpu docs test-install results results-quick

install:
	$(PYTHON) -m pip install $(PIP_FLAGS) -q -e ".[test]"

# Real Fashion-MNIST from Debian (optional: the bundled subset is enough for demo and fast tests).
data:
	@if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1)) || echo "note: dataset-fashion-mnist not installed; tests that need it are skipped"; \
	fi

demo: install
	$(PYTHON) scripts/demo.py --out demo_output

test: install data
	$(PYTHON) -m pytest -q tests

test-slow: install data
	$(PYTHON) -m pytest -q -m slow tests

bench: install
	$(PYTHON) scripts/benchmarks/bench_sensor.py
	$(PYTHON) scripts/benchmarks/bench_distillation.py
	$(PYTHON) scripts/benchmarks/bench_bl.py

# Every GPU benchmark in one table (results/bench_gpu.json); on a CPU a tiny version that says no GPU was found.
bench-gpu: install
	$(PYTHON) scripts/benchmarks/bench_gpu.py --out results/bench_gpu.json

# The documentation site (offline) into build/site/; `mkdocs serve` to browse it while editing.
docs: install
	$(PYTHON) -m mkdocs build --strict -d build/site

# A wheel installed into a fresh virtual environment: every console command's --help and the demo's first stage.
test-install: install
	$(PYTHON) -m pytest -q -m slow tests/docs/test_wheel_install.py

# The papers' experiments at CPU scale (about an hour on 2 cores; see RESULTS.md), or in quick mode.
# They replace the committed results; after an interruption the same command continues the suite.
results: install data
	$(PYTHON) scripts/experiments/run_all.py --overwrite

results-quick: install data
	$(PYTHON) scripts/experiments/run_all.py --quick --overwrite
