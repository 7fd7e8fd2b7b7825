"""Extraction of Ghent's annual-account reports (PDF or text dump) into raw rows with lineage."""

EXTRACTOR_VERSION = "0.1.0"
