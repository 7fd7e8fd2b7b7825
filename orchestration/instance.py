"""Dagster's instance for `make run` and `make ui` alike: warehouse/dagster_home, with its dagster.yaml.

`python -m orchestration.instance` prepares the folder and prints it (the Makefile's `ui`
target runs it before `dagster dev`).
"""

from __future__ import annotations

from pathlib import Path

from ingest.config import Settings

# Runs, events and schedules in sqlite files of the folder (Dagster's default), no telemetry.
DAGSTER_YAML = """\
# Written by orchestration/instance.py: the instance of `make run` and `make ui`.
telemetry:
  enabled: false
run_queue:
  max_concurrent_runs: 4  # the inbox sensor may queue many extractions: a few at a time on a laptop
"""


def ensure_home(home: Path) -> Path:
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    return home


def main() -> int:
    import sys

    from ingest.config import ConfigurationError

    try:
        settings = Settings.from_env()
    except ConfigurationError as exc:  # `make ui` stops here, before `dagster dev`, with the variable named
        print(f"Configuration error: {exc}. Nothing was read or changed.", file=sys.stderr)
        return 2
    print(ensure_home(settings.dagster_home))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
