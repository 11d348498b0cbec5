# radcds: the two commands a person needs are `make demo` and `make test`.
SHELL := /bin/bash
UV := uv run --frozen
export PATH := $(HOME)/.local/bin:$(PATH)

.PHONY: bootstrap demo up test lint typecheck proto proto-check pytest

bootstrap:  ## install Debian packages, uv, the Python workspace and the npm tools
	./scripts/bootstrap.sh

demo: bootstrap  ## the main job end to end: radcds demo (synthetic cohort to cards and reports)
	$(UV) radcds demo

up: bootstrap  ## the suite alone, until Ctrl-C
	$(UV) radcds up

.PHONY: bench bench-quick
bench: bootstrap  ## every benchmark, one table of figures and ratios (docs/performance.md)
	$(UV) python bench/run_all.py $(BENCH_ARGS)

bench-quick: bootstrap  ## the same at small sizes and few repeats: a smoke run
	$(UV) python bench/run_all.py --quick $(BENCH_ARGS)

proto:  ## regenerate libs/radcds-proto from protos/
	./scripts/gen-proto.sh

proto-check: proto  ## buf lint, and fail when the committed generated code is stale
	npx --no-install buf lint
	git diff --exit-code -- libs/radcds-proto
	@test -z "$$(git status --porcelain -- libs/radcds-proto)" || \
	  { echo "untracked generated files in libs/radcds-proto"; exit 1; }

lint:
	$(UV) ruff check .
	$(UV) ruff format --check .

typecheck:
	$(UV) mypy src libs/radcds-kit/src libs/radcds-synth/src services/*/src

pytest:
	$(UV) pytest

test: bootstrap lint typecheck proto-check pytest  ## everything CI runs
