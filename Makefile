# U-Net Studio: `make run` opens the GUI on the demo project, `make test` runs the suite.
# Both build their own virtual environment in .venv from requirements.txt + pyproject.toml.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint data clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

# The real microscopy sample (mnfinder 1.2.3 from PyPI), converted once; without a
# network the demo falls back to the synthetic generator and says so.
data: $(STAMP)
	-$(PY) -m app.data.sample_nuclei install

run: $(STAMP) data
	$(PY) main.py

lint: $(STAMP)
	$(VENV)/bin/lint-imports --no-logo --no-cache

test: $(STAMP)
	$(VENV)/bin/lint-imports --no-logo --no-cache
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -s tests/bench -p no:cacheprovider \
		-o testpaths=tests/bench -o 'norecursedirs=.*' -o 'python_files=bench_*.py'

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
