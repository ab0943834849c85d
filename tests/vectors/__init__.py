"""Shared test vectors (see generate.py)."""
