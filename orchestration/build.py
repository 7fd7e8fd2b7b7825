"""`make run`: build the whole warehouse from a folder of report PDFs, as named Dagster jobs.

The edge of the program: the settings are built here from the options and the environment and
validated before anything is read (a bad value is a configuration error), the build lock is
taken (a second build says who holds it), then the jobs run (orchestration.pipeline) and a
short summary is printed. Exit code: 0 all built and published; 1 published, but some inbox
entries failed (partial success); 2 nothing published (an error, a refusal or a configuration
error: the previous release stands); 3 not started, another build holds the warehouse.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

EXIT_CONFIGURATION = 2  # like argparse's usage errors: how the build was called, not a file
EXIT_BUSY = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.build", description=__doc__.splitlines()[0])
    parser.add_argument("--inbox", type=Path, help="folder of report PDFs (default: GENT_INBOX or data/samples)")
    parser.add_argument("--warehouse", type=Path, help="warehouse folder (default: GENT_WAREHOUSE_DIR or warehouse/)")
    parser.add_argument(
        "--force", action="store_true", help="rebuild even when nothing changed since the last publication"
    )
    parser.add_argument("--workers", type=int, help="reports extracted at once (default: one per core)")
    parser.add_argument(
        "--allow-empty",
        action="store_true",
        help="let a missing or empty inbox empty the warehouse (refused otherwise)",
    )
    args = parser.parse_args(argv)
    from ingest.config import ConfigurationError, Settings

    try:
        settings = Settings.from_env(
            inbox=args.inbox, warehouse_dir=args.warehouse, allow_empty_inbox=True if args.allow_empty else None
        )
    except ConfigurationError as exc:
        print(f"Configuration error: {exc}. Nothing was read or changed.", file=sys.stderr)
        return EXIT_CONFIGURATION
    from ingest.build_lock import BuildRunning, build_lock
    from serving.startup import configuration_problem

    problem = configuration_problem(settings)  # before the lock, whose file is in the warehouse folder
    if problem:
        print(f"Build error: {problem}. Nothing was read or changed.")
        return EXIT_CONFIGURATION
    try:
        with build_lock(settings.build_lock, "make run"):
            from .pipeline import build_everything  # Dagster and the jobs: only once the lock is ours
            from .summary import exit_code, print_summary

            started = time.monotonic()
            print(f"Gent budget warehouse: building from {settings.inbox}", flush=True)
            outcome = build_everything(
                settings, force=args.force, workers=args.workers, progress=lambda line: print(line, flush=True)
            )
            print_summary(settings, outcome, time.monotonic() - started)
    except BuildRunning as exc:
        print(f"Not started: {exc}.", file=sys.stderr)
        return EXIT_BUSY
    return exit_code(outcome)


def fresh_env(**extra: str) -> dict[str, str]:
    """This process's environment without the build's settings (every GENT_ variable and
    DAGSTER_HOME), plus `extra`: a build started with it runs with the defaults."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENT_") and k != "DAGSTER_HOME"}
    return {**env, **extra}


def build_command(inbox: Path, warehouse: Path, *options: str) -> list[str]:
    """The command line of `make run` on that inbox and warehouse, for this Python."""
    return [sys.executable, "-m", "orchestration.build", "--inbox", str(inbox), "--warehouse", str(warehouse), *options]


def run_fresh(
    inbox: Path, warehouse: Path, *options: str, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`make run` on that inbox and warehouse in a process of its own, from the repository root,
    to its end, its output captured as text (`env` by default: `fresh_env()`). For the tests and
    tools that need a real build."""
    return subprocess.run(
        build_command(inbox, warehouse, *options),
        cwd=Path(__file__).resolve().parents[1],
        env=fresh_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _quiet_shutdown() -> None:
    """DuckDB 2.0's bindings print "nanobind: leaked …" lines at interpreter shutdown (harmless,
    dozens of lines). Everything of ours is printed and flushed by now: the shutdown's own
    stderr goes to /dev/null."""
    sys.stdout.flush(), sys.stderr.flush()
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)


if __name__ == "__main__":
    code = main()
    _quiet_shutdown()
    sys.exit(code)
