"""Shared test setup: this folder is on sys.path, so the independent oracle (tests/oracle.py)
is importable from every test folder."""
