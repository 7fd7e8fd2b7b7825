"""Dagster orchestration of the warehouse, and the in-process build behind `make run`."""
