"""Project tooling run by the Makefile: the dependency audit (`make audit`)."""
