"""Names tests (a package, so that test_cli.py here does not clash with tests/test_cli.py)."""
