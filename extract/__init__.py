"""Extraction of Ghent's annual-account reports (PDF or text dump) into raw rows with lineage."""

EXTRACTOR_VERSION = "0.2.0"  # 0.2: other engines (superscripts, grid headers, hyphenation, continued tables)
