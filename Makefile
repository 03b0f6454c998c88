# U-Net Studio: `make run` opens the GUI on the Model hub, `make test` runs the suite.
# Both build their own virtual environment in .venv from requirements.txt + pyproject.toml.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint data screenshots clean

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

# Refresh the README's pictures in docs/screenshots/ (tests write theirs into tmp_path).
screenshots: $(STAMP)
	UNET_STUDIO_SCREENSHOTS=1 QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider \
		tests/test_main_window_screenshot.py tests/test_hub_screenshot.py \
		tests/test_data_wizard.py::test_wizard_on_the_demo_project_renders_readably \
		tests/test_run_screenshot.py

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -s tests/bench -p no:cacheprovider \
		-o testpaths=tests/bench -o 'norecursedirs=.*' -o 'python_files=bench_*.py'

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
