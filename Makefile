# 《序列模型：从分词到注意力》: two commands for readers, a few more for authors.
#   make book   build the HTML book into _build/html (creates .venv and installs on first use;
#               needs no root and no Chinese font: it executes nothing)
#   make pdf    the book as one PDF through XeLaTeX (installs TeX Live when root)
#   make test   lint (ruff, actionlint), the PDF, the book with warnings as errors, unit + structure tests, nbval
#   make bench  execute every notebook, record time and memory in the run-time appendix
#   make variability  execute every notebook under 5 perturbations (seed, CPU kernels, threads)
#               and write the spread of every checked quantity to chapters/*/variability.json
#   make test-robust  nbval over the training notebooks with another seed and other CPU kernels
#   make execute      re-execute notebooks for committing (NOTEBOOKS=path ..., default all)
#   make lock         pin every package in requirements.lock after requirements.txt changed
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
JOBS   ?= 2
NBVAL  := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg
# One torch thread per worker: $(JOBS) notebooks run side by side on $(JOBS) cores without
# oversubscription (spinning OpenMP threads would otherwise slow both several-fold).
SIDE_BY_SIDE := OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
NOTEBOOKS ?= --all

.PHONY: book pdf test test-robust lint lock bench variability execute colab-cells setup clean

# Installs from the lock (every version pinned), so that CI, Binder and readers get the same
# packages; `make lock` rewrites it after requirements.txt changes.
$(VENV)/.installed: requirements.lock code/pyproject.toml
	@sh tools/make-venv.sh "$(PYTHON)" "$(VENV)"
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -r requirements.lock
	@touch $@

lock: $(VENV)/.installed
	$(BIN)/python tools/lock.py

setup: $(VENV)/.installed
	@sh tools/ensure-cjk-font.sh "$(BIN)/python"
	@sh tools/ensure-node.sh

# The reader's build executes nothing, so it needs neither root nor a Chinese font, and a
# warning is reported without failing the build (`make test` treats warnings as errors).
book: $(VENV)/.installed
	$(BIN)/jupyter-book build . --keep-going
	@echo
	@echo "全书已生成，用浏览器打开：file://$(CURDIR)/_build/html/index.html"

# The whole book as one PDF (_build/latex/seqbook.pdf) through XeLaTeX; needs TeX Live with the
# Chinese packages, which tools/ensure-latex.sh installs when root or names otherwise. Build it
# before `make book` and the HTML links it from the sidebar.
pdf: $(VENV)/.installed
	@sh tools/ensure-latex.sh
	$(BIN)/jupyter-book build . --builder pdflatex --keep-going
	@echo
	@echo "PDF 已生成：$(CURDIR)/_build/latex/seqbook.pdf"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/python tools/colab_cell.py --check
	$(BIN)/python tools/actionlint.py

test: lint pdf
	$(BIN)/jupyter-book build . --all --warningiserror --keep-going --quiet
	$(SIDE_BY_SIDE) $(BIN)/pytest -n $(JOBS) --dist loadfile $(NBVAL) tests chapters

# The same notebooks from other random starting points and with other CPU kernels: a claim
# that holds for one training run only fails here.
test-robust: setup
	SEQBOOK_SEED_OFFSET=1 ATEN_CPU_CAPABILITY=$$($(BIN)/python tools/variability.py --other-kernels) \
	$(SIDE_BY_SIDE) $(BIN)/pytest -n $(JOBS) --dist loadfile $(NBVAL) $$($(BIN)/python tools/variability.py --list)

variability: setup
	JOBS=$(JOBS) $(BIN)/python tools/variability.py

execute: setup
	$(SIDE_BY_SIDE) JOBS=$(JOBS) $(BIN)/python tools/execute.py $(NOTEBOOKS)

bench: setup
	$(BIN)/python tools/bench.py

colab-cells: setup
	$(BIN)/python tools/colab_cell.py

clean:
	rm -rf _build
