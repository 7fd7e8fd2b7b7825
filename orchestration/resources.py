"""The resources every integration shares: the settings, the warehouse DuckDB and the build lock
(the dbt project and CLI: `defs/dbt/resources.py`, imported only where dbt is needed: the
extraction workers start a second sooner without it)."""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from ingest.build_lock import BuildRunning, build_lock
from ingest.config import ENV_VARS, Settings


class WarehouseSettings(dg.ConfigurableResource):
    """The settings as a Dagster resource: what every job's assets and the sensors read.

    Empty fields take the defaults (`Settings.build`); `make run` hands its settings on as run
    config, the UI's code location as `EnvVar`s resolved when a run starts.
    """

    inbox: str = ""
    warehouse_dir: str = ""
    build_db: str = ""
    dagster_home: str = ""
    data_docs_dir: str = ""
    pdf_engine: str = ""
    doc_timeout_s: str = ""
    doc_memory_mb: str = ""
    export_personal_data: str = ""
    allow_empty_inbox: str = ""

    def get(self) -> Settings:
        """The validated settings (a ConfigurationError names the variable of a bad value)."""
        return Settings.build(**{f.name: getattr(self, f.name) or None for f in fields(Settings)})


def settings_resource(environ: Mapping[str, str] | None = None) -> WarehouseSettings:
    """The resource of the code location: each variable set in the environment as an EnvVar
    (Dagster resolves it when a run starts; the UI shows where it came from), the rest defaults."""
    environ = os.environ if environ is None else environ
    return WarehouseSettings(**{f: dg.EnvVar(v) for f, v in ENV_VARS.items() if environ.get(v)})


class BuildLock(dg.ConfigurableResource):
    """The build lock as a resource of the `build_warehouse` job: taken when the run's resources
    are set up (once per run: the job runs in one process) and released at its end. A second
    build fails at once with the holder named, before dbt touches the database."""

    lock_file: str = ""  # "": the settings resource's warehouse folder decides (see definitions)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._lock = build_lock(
            Path(self.lock_file), f"job {context.dagster_run.job_name if context.dagster_run else '?'}"
        )
        try:
            self._lock.__enter__()
        except BuildRunning as exc:
            raise dg.Failure(description=str(exc)) from None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._lock.__exit__(*sys.exc_info())


class WarehouseDuckDB(DuckDBResource):
    """The build database, written by one process at a time by design.

    DuckDB allows one writing process per file. Every writer of the pipeline (the loads of
    reports extracted in parallel runs, the prune) first takes the database's writer lock, an
    `flock` on `<database>.writer.lock`, and waits its turn there: the loads queue up instead
    of failing on DuckDB's own lock. The kernel releases the lock of a killed writer.
    """

    @contextmanager
    def get_connection(self):
        database = Path(self.database)
        database.parent.mkdir(parents=True, exist_ok=True)
        with open(database.with_name(database.name + ".writer.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # blocks until the writer before us is done
            conn = duckdb.connect(str(database), read_only=False)
            try:
                yield conn
            finally:
                conn.close()
