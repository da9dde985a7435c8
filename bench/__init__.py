"""The benchmarks, run from the repository's top as modules: `python -m bench.bench` (the
Makefile's `make bench`), so they import `voicecoach` and `tests.support` as the tests do."""
