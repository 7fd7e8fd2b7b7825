"""Extraction of Ghent's annual-account reports (PDF or text dump) into raw rows with lineage."""

EXTRACTOR_VERSION = "0.3.0"  # 0.3: header cells beside wrapped titles, italic and small caps, guessed hyphens flagged
