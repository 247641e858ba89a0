"""The RADIUS benchmark: ``python -m bench`` (see bench/README.md)."""
