"""Command line: python -m extract FILE... --out DIR

Each file is extracted on its own: a bad file, or a report refused by the acceptance rule
(`extract/acceptance.py`, the pipeline's too), gets a clear error (file and reason) on
stderr and a non-zero exit code, and the other files are still processed.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from .acceptance import refusal
from .document import PDF_ENGINES, extract_file
from .errors import ExtractionError
from .writer import write_extraction


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m extract", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="report PDFs (or text dumps, for debugging)")
    parser.add_argument("--out", required=True, type=Path, help="directory for the Parquet files")
    parser.add_argument("--engine", choices=PDF_ENGINES, default="pdfplumber", help="PDF reader (default pdfplumber)")
    args = parser.parse_args(argv)
    failed = 0
    for path in args.files:
        try:
            extraction = extract_file(path, args.engine)
            reason = refusal(extraction)  # the pipeline's rule too: a refused report writes nothing
            if reason:
                raise ExtractionError(path, reason)
            write_extraction(extraction, args.out)
        except ExtractionError as exc:
            failed += 1
            print(f"error: {exc}", file=sys.stderr)
            continue
        except Exception as exc:  # a bug or a disk error on one file must not stop the batch
            failed += 1
            print(f"error: {path.name}: internal error ({type(exc).__name__}: {exc})", file=sys.stderr)
            continue
        d, t = extraction.document, extraction.tables
        kinds = Counter(a.kind for a in t["anomalies"])
        print(
            f"{path.name}: {d.layout} {d.report_year}, {d.page_count or '-'} pages, {len(t['nodes'])} blocks, "
            f"{len(t['budget_lines'])} budget rows, {len(t['staffing_lines'])} staffing rows, "
            f"{len(t['anomalies'])} anomalies ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})"
        )
    if failed:
        print(f"{failed} of {len(args.files)} files failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
