"""Tributary: the Python package behind the DAGs (hooks, operators, domain logic, HTTP API)."""
