# Two set-up commands for a fresh machine: `make run` and `make test`.
# Both create .venv if missing and install once; a second run reinstalls nothing.
PY      := .venv/bin/python
PIP     := .venv/bin/pip
STAMP   := .venv/.mend-installed

.PHONY: run test lint bench install clean-venv

run: $(STAMP)
	$(PY) -m mend.cli serve

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	.venv/bin/ruff check .

bench: $(STAMP)
	$(PY) -m benchmarks.run

install: $(STAMP)

# torch goes first and pinned: an unpinned torch pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

clean-venv:
	rm -rf .venv
