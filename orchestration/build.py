"""`make run`: build the whole warehouse in-process from a folder of report PDFs.

The same Dagster assets as the UI, materialised with `dagster.materialize`: one run per
report partition (extract + load), then dbt, the quality checks and the publication.
Prints a short summary at the end. Exit code: 0 all built and published, 1 published but
some inbox entries failed (partial success), 2 nothing published (the previous release stands).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.build", description=__doc__.splitlines()[0])
    parser.add_argument("--inbox", type=Path, help="folder of report PDFs (default: data/samples)")
    parser.add_argument("--warehouse", type=Path, help="warehouse folder (default: warehouse/)")
    parser.add_argument("--force", action="store_true", help="rebuild even when nothing changed since the last publication")
    parser.add_argument("--workers", type=int, help="processes for extraction (default: one per core)")
    parser.add_argument("--allow-empty", action="store_true", help="let a missing or empty inbox empty the warehouse (refused otherwise)")
    args = parser.parse_args(argv)
    if args.inbox:
        os.environ["GENT_INBOX"] = str(args.inbox.resolve())
    if args.warehouse:
        os.environ["GENT_WAREHOUSE_DIR"] = str(args.warehouse.resolve())
    if args.allow_empty:
        os.environ["GENT_ALLOW_EMPTY_INBOX"] = "1"
    from . import settings
    from .pipeline import build_everything
    from .summary import exit_code, print_summary

    started = time.monotonic()
    print(f"Gent budget warehouse: building from {settings.inbox()}", flush=True)
    outcome = build_everything(force=args.force, workers=args.workers, progress=lambda line: print(line, flush=True))
    print_summary(outcome, time.monotonic() - started)
    return exit_code(outcome)


if __name__ == "__main__":
    code = main()
    import multiprocessing.util

    multiprocessing.util._exit_function()  # release the worker pool's semaphores first
    sys.stdout.flush(), sys.stderr.flush()
    # duckdb 2.0 prints harmless "nanobind: leaked …" lines at interpreter shutdown: skip it.
    os._exit(code)
