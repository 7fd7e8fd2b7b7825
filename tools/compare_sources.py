"""Compare the rows extracted from a text dump with those from a PDF of the same report.

    python tools/compare_sources.py DUMP PDF [PDF ...] [--show N]

Prints per PDF the shares of the dump's rows, cells, titles and services read alike, the
text word ratio, and the differences (those no anomaly flags are marked SILENT).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extract.compare import compare
from extract.document import extract_file
from extract.errors import ExtractionError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("pdfs", type=Path, nargs="+")
    parser.add_argument("--show", type=int, default=20, help="differences to print per PDF")
    args = parser.parse_args(argv)
    reference = extract_file(args.dump)
    worst = 0
    for pdf in args.pdfs:
        try:
            result = compare(reference, extract_file(pdf))
        except ExtractionError as exc:
            print(f"{pdf}: REFUSED {exc.reason}")
            worst = 1
            continue
        print(f"{pdf}: {result.summary()}")
        for d in result.differences[: args.show]:
            mark = "flagged" if d.flagged else "SILENT"
            print(f"  {mark:7} {d.table}.{d.field} {d.key}: {d.reference!r} -> {d.candidate!r}")
        worst = max(worst, 1 if result.differences else 0)
    return worst


if __name__ == "__main__":
    sys.exit(main())
