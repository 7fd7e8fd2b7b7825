"""`python -m serving.open_data --database warehouse/gent.duckdb --out warehouse/export`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from ingest.config import Settings

from . import __doc__ as PACKAGE_DOC
from .export import export_open_data, personal_data_from_env
from .metadata import PERSONAL_DATA_ENV, PERSONAL_RESOURCE, ExportError


def main(argv: Iterable[str] | None = None) -> int:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m serving.open_data", description=PACKAGE_DOC.split("\n\n")[0])
    parser.add_argument(
        "--database",
        type=Path,
        default=settings.published_db,
        help="the published warehouse, opened read-only (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=settings.warehouse_dir / "export",
        help="export folder, replaced atomically (default: %(default)s)",
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        default=None,
        help="dbt manifest with the column descriptions (default: dbt_project/target/manifest.json)",
    )
    parser.add_argument(
        "--include-personal-data",
        action="store_true",
        help=f"also export the names of the responsible aldermen (resource `{PERSONAL_RESOURCE}`); "
        f"same as {PERSONAL_DATA_ENV}=1",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    include = args.include_personal_data or personal_data_from_env()
    try:
        summary = export_open_data(args.database, args.out, include, manifest=args.manifest)
    except ExportError as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 1
    width = max(map(len, summary))
    for name, rows in summary.items():
        print(f"{name:<{width}}  {rows:>8} rows")
    print(f"-> {args.out}" + ("  (includes personal data)" if include else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
