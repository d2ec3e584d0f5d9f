"""Benchmarks of the whole local stack (not collected by pytest) and their seeding helpers."""
