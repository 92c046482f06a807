# 《序列模型：从分词到注意力》: two commands for readers, a few more for authors.
#   make book   build the HTML book into _build/html (creates .venv and installs on first use)
#   make test   lint, build the book with warnings as errors, unit + structure tests, nbval
#   make bench  execute every notebook, record time and memory in the run-time appendix
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
JOBS   ?= 2
NBVAL  := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg

.PHONY: book test lint bench colab-cells setup clean

$(VENV)/.installed: requirements.txt code/pyproject.toml
	@sh tools/make-venv.sh "$(PYTHON)" "$(VENV)"
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	@touch $@

setup: $(VENV)/.installed
	@sh tools/ensure-cjk-font.sh "$(BIN)/python"

book: setup
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo
	@echo "全书已生成，用浏览器打开：file://$(CURDIR)/_build/html/index.html"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/python tools/colab_cell.py --check

test: lint
	$(BIN)/jupyter-book build . --all --warningiserror --keep-going --quiet
	# One torch thread per worker: $(JOBS) notebooks run side by side on $(JOBS) cores without
	# oversubscription (spinning OpenMP threads would otherwise slow both several-fold). The one
	# notebook that asks set_seed for two threads waits passively while the other worker runs.
	OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE $(BIN)/pytest -n $(JOBS) --dist loadfile $(NBVAL) tests chapters

bench: setup
	$(BIN)/python tools/bench.py

colab-cells: setup
	$(BIN)/python tools/colab_cell.py

clean:
	rm -rf _build
