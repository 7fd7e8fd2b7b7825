"""Benchmarks of the warehouse build (`make bench`): see BENCHMARKS.md."""
