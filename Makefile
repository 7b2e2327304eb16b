# The two entry points of the README. Both install what they need first.
.PHONY: setup demo test lint bench

setup:
	@scripts/setup

demo: setup
	.venv/bin/vigie demo

test: setup
	.venv/bin/ruff check vigie tests bench
	.venv/bin/mypy vigie
	.venv/bin/pytest

bench: setup
	.venv/bin/python bench/register_import.py
