"""Tributary's HTTP API: one FastAPI app, one router per domain."""
