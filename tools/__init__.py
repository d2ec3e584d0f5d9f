"""Project tooling run by the Makefile: the dependency audit, the fuzz runs and the drills."""
