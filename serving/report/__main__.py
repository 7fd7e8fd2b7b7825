"""`python -m serving.report --database warehouse/gent.duckdb --out warehouse/report`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from . import __doc__ as PACKAGE_DOC
from .page import build_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m serving.report", description=PACKAGE_DOC.splitlines()[0])
    parser.add_argument(
        "--database", type=Path, default=Path("warehouse/gent.duckdb"), help="warehouse to read (read-only)"
    )
    parser.add_argument("--out", type=Path, default=Path("warehouse/report"), help="folder for index.html")
    parser.add_argument(
        "--sources", type=Path, help="folder of the source reports, to link figures to the files themselves"
    )
    parser.add_argument(
        "--charts", type=Path, help="folder that keeps the charts' SVG between builds (default: <out>.chart-cache)"
    )
    args = parser.parse_args(argv)
    try:
        path = build_report(args.database, args.out, sources=args.sources, charts=args.charts)
    except (FileNotFoundError, duckdb.Error) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
