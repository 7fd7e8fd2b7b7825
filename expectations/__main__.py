"""python -m expectations [--database PATH] [--suite NAME ...] [--docs DIR]

Validates the warehouse, prints a summary per suite (OK / WARN / ERROR, counts, first
failures with document, page and line) and exits 1 when a suite reports an ERROR.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import SUITES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m expectations", description=__doc__.split("\n\n")[1])
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        help="DuckDB warehouse to validate (default GENT_BUILD_DB, or <GENT_WAREHOUSE_DIR>/build/gent.duckdb)",
    )
    parser.add_argument(
        "--suite",
        action="append",
        choices=SUITES,
        metavar="NAME",
        help=f"suite to run, repeatable (default all: {', '.join(SUITES)})",
    )
    parser.add_argument(
        "--docs",
        type=Path,
        default=None,
        help="Data Docs folder (default GENT_GX_DOCS_DIR, or <GENT_WAREHOUSE_DIR>/gx)",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not build the Data Docs site")
    parser.add_argument("--no-record", action="store_true", help="do not append to quality.quality_runs")
    parser.add_argument("--run-id", default=None, help="run id (default: timestamp + random suffix)")
    parser.add_argument("--show", type=int, default=5, metavar="N", help="failures shown per suite (default 5)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead")
    args = parser.parse_args(argv)

    from .runner import run_suites  # after argument parsing: --help stays instant

    try:
        results = run_suites(
            args.database,
            args.suite,
            data_docs_dir=args.docs,
            record_run=not args.no_record,
            run_id=args.run_id,
            data_docs=not args.no_docs,
        )
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([r.__dict__ for r in results], indent=2, default=str))
    else:
        print(summary(results, args.show))
    return 1 if any(r.severity == "ERROR" for r in results) else 0


def summary(results, show: int = 5) -> str:
    if not results:
        return "no suites run"
    stats = results[0].statistics
    lines = [f"Warehouse quality, run {stats.get('run_id')} ({stats.get('seconds')} s)"]
    for r in results:
        if r.could_not_run:  # nothing was checked: no counts to show
            lines.append(f"  {r.title:32} {r.verdict}")
            continue
        s = r.statistics
        counts = (
            f"{s['successful_expectations']}/{s['evaluated_expectations']} expectations met"
            + (f", {s['errors']} errors" if s["errors"] else "")
            + (f", {s['warnings']} warnings" if s["warnings"] else "")
        )
        if r.suite == "reconciliation" and s.get("pass_rate") is not None:
            per_doc = ", ".join(f"{d}: {n}" for d, n in sorted(s.get("gaps_by_document", {}).items())) or "none"
            counts += f"; pass rate {s['pass_rate']:.1%}; gaps {s.get('gaps', 0)} ({per_doc}); cells not printed {s.get('not_printed_cells', 0)}"
        lines.append(f"  {r.title:32} {r.verdict}")
        lines.append(f"           {counts}")
        for failure in r.failures[:show]:
            lines.append(f"           {failure['severity']}: {failure['message']}")
        if len(r.failures) > show:
            lines.append(f"           … {len(r.failures) - show} more")
        for skipped in r.skipped:
            lines.append(f"           {skipped}")
    if stats.get("data_docs"):
        lines.append(f"Data Docs: {Path(stats['data_docs']).as_uri()}")
    worst = max((r.severity for r in results), key=("OK", "WARN", "ERROR").index)
    lines.append(f"Result: {worst}")
    return "\n".join(lines)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is written and every connection closed. Skip the interpreter's teardown: with
    # GX and duckdb-engine loaded, duckdb 2.0's nanobind bindings print a spurious
    # "leaked instances" report at exit that would bury the summary.
    os._exit(code)
