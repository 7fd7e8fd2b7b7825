"""Extraction of Ghent's annual-account reports (PDF or text dump) into raw rows with lineage."""

EXTRACTOR_VERSION = "0.5.0"  # 0.5: where each paragraph starts (page, line), hyphen heads; 0.4: whole reports only (contents, page numbers), bidi controls flagged, tight grid headers, PDFium = pdfminer
