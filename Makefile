# The README's two commands: `make demo` and `make test`. Both install what they need first.
PYTHON ?= python3
PIP_FLAGS ?=

.PHONY: install data demo test test-slow test-resume bench bench-gpu docs test-install results results-quick \
	results-drc results-cordsnet results-rsrnn results-whatwhere

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

# Real processes killed with SIGKILL and restarted (part of test-slow; about 20 min).
test-resume: install data
	$(PYTHON) -m pytest -q -m slow tests/drc/test_drc_resume_integrity.py tests/teachers/test_teacher_resume_integrity.py tests/convrnn_bl/test_bl_resume_integrity.py

bench: install
	$(PYTHON) scripts/benchmarks/bench_sensor.py
	$(PYTHON) scripts/benchmarks/bench_distillation.py
	$(PYTHON) scripts/benchmarks/bench_bl.py
	$(PYTHON) scripts/benchmarks/bench_checkpoints.py
	$(PYTHON) scripts/benchmarks/bench_cordsnet.py
	$(PYTHON) scripts/benchmarks/bench_rsrnn.py
	$(PYTHON) scripts/benchmarks/bench_whatwhere.py

# Every GPU benchmark in one table (results/bench_gpu.json); on a CPU a tiny version that says no GPU was found.
bench-gpu: install
	$(PYTHON) scripts/benchmarks/bench_gpu.py --out results/bench_gpu.json

# The documentation site (offline) into build/site/; `mkdocs serve` to browse it while editing.
docs: install
	$(PYTHON) -m mkdocs build --strict -d build/site

# A wheel installed into a fresh virtual environment: every console command's --help and the demo's first stage.
test-install: install
	$(PYTHON) -m pytest -q -m slow tests/docs/test_wheel_install.py

# The papers' experiments at CPU scale (see RESULTS.md for each part's measured time), or in quick mode.
# They replace the committed results; after an interruption the same command continues each part.
results: results-drc results-cordsnet results-rsrnn results-whatwhere

results-drc: install data
	$(PYTHON) scripts/experiments/run_all.py --overwrite

results-cordsnet: install data
	$(PYTHON) scripts/cordsnet/cordsnet_results.py --out results/cordsnet --overwrite

results-rsrnn: install data
	$(PYTHON) scripts/rsrnn/results.py --out results/rsrnn --overwrite

results-whatwhere: install data
	$(PYTHON) scripts/whatwhere/results.py --out results/whatwhere/cpu --overwrite

results-quick: install data
	$(PYTHON) scripts/experiments/run_all.py --quick --overwrite
	$(PYTHON) scripts/cordsnet/cordsnet_results.py --quick --out results/quick/cordsnet --overwrite
	$(PYTHON) scripts/rsrnn/results.py --quick --out results/quick/rsrnn --overwrite
	$(PYTHON) scripts/whatwhere/results.py --quick --out results/quick/whatwhere --overwrite
