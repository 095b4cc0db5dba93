"""Benchmarks: `make bench` (or `python -m bench`). Each prints its figures beside a reference
measured in the same run, as a ratio, because these machines are shared and noisy."""
