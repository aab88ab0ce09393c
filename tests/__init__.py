"""Test suites; this file only makes pytest put the repository root (not tests/) on sys.path for
tests/conftest.py, so `workflow` and `sandbox` are the packages, never the test folders of the same names."""
