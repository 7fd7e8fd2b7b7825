"""The content of an extraction without its lineage, to compare two sources of one report."""
from __future__ import annotations

from dataclasses import asdict

from .document import Extraction
from .grammar import collapse

LINEAGE = {"document_id", "page", "line", "raw_text", "table_no"}
COMPARED = ("nodes", "budget_lines", "staffing_lines", "texts")


def content_rows(extraction: Extraction) -> dict[str, list[dict]]:
    """Rows of the compared tables, lineage columns dropped; text whitespace-normalised.

    Paragraph breaks may legitimately differ between a dump and a PDF (a page break ends a
    line with a full stop), so texts compare as word sequences.
    """
    out = {}
    for table in COMPARED:
        rows = []
        for row in extraction.tables[table]:
            record = {k: v for k, v in asdict(row).items() if k not in LINEAGE}
            if table == "texts":
                record["text"] = collapse(record["text"])
                record.pop("seq")
            rows.append(record)
        out[table] = rows
    return out
