"""Mend's benchmarks: run on demand (`make bench`), never as timed tests. See benchmarks/README.md."""
