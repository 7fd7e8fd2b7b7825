"""The warehouse's configuration: one `Settings` object, built and validated once at the edge.

`make run` builds it from its arguments and the environment (`Settings.from_env`), the UI's
code location from the environment (as Dagster `EnvVar`s, `resources.settings_resource`). From there
it is handed on, never read again from the environment: to the jobs as the `settings` resource
(`orchestration.resources.WarehouseSettings`; run config for `make run`), to the extractor as
arguments (engine, limits).

A value that cannot work (an unknown PDF engine, a time limit shorter than the extractor's own
start, a memory limit no machine has) is a `ConfigurationError` naming the variable, raised
before any file is read: never a file's fault.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from extract.document import PDF_ENGINES
from ingest.sandbox import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO / "dbt_project"  # part of the code, like the models in it
# The guarded extraction child needs about a second to start and 300-350 MB of address space
# for its own code (RELIABILITY.md); below these a good report would be blamed for the limit.
MIN_TIMEOUT_S, MAX_TIMEOUT_S = 5.0, 24 * 3600.0
MIN_MEMORY_MB, MAX_MEMORY_MB = 400, 1024 * 1024  # up to 1 TB of address space per report

# Settings field -> the environment variable that sets it.
ENV_VARS = {
    "inbox": "GENT_INBOX",
    "warehouse_dir": "GENT_WAREHOUSE_DIR",
    "build_db": "GENT_BUILD_DB",
    "dagster_home": "DAGSTER_HOME",
    "data_docs_dir": "GENT_GX_DOCS_DIR",
    "pdf_engine": "GENT_PDF_ENGINE",
    "doc_timeout_s": "GENT_DOC_TIMEOUT_S",
    "doc_memory_mb": "GENT_DOC_MEMORY_MB",
    "export_personal_data": "GENT_EXPORT_PERSONAL_DATA",
    "allow_empty_inbox": "GENT_ALLOW_EMPTY_INBOX",
}
TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


class ConfigurationError(ValueError):
    """A setting that cannot work; names the variable (or option) and what is wrong with it."""

    def __init__(self, variable: str, value, why: str):
        self.variable = variable
        super().__init__(f"{variable}={value!r}: {why}")


@dataclass(frozen=True)
class Settings:
    inbox: Path
    warehouse_dir: Path
    build_db: Path
    dagster_home: Path
    data_docs_dir: Path  # the quality suites' Data Docs site (Great Expectations)
    pdf_engine: str = "pdfplumber"
    doc_timeout_s: float = DEFAULT_TIMEOUT_S
    doc_memory_mb: int = DEFAULT_MEMORY_MB
    export_personal_data: bool = False
    allow_empty_inbox: bool = False  # an empty or missing inbox may empty the warehouse (--allow-empty)

    @property
    def published_db(self) -> Path:
        """The published snapshot BI tools read, replaced atomically after a good build."""
        return self.warehouse_dir / "gent.duckdb"

    @property
    def build_lock(self) -> Path:
        """Held by a build from start to end (ingest.build_lock): one build at a time."""
        return self.warehouse_dir / ".build.lock"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **given) -> Settings:
        """Settings from `given` values (command-line options), else the environment, else the
        defaults; validated. Relative paths are taken from the current directory."""
        environ = os.environ if environ is None else environ
        values = {f: environ.get(v) or None for f, v in ENV_VARS.items()}
        values.update({f: v for f, v in given.items() if v is not None})
        return cls.build(**values)

    @classmethod
    def build(
        cls,
        inbox=None,
        warehouse_dir=None,
        build_db=None,
        dagster_home=None,
        data_docs_dir=None,
        pdf_engine=None,
        doc_timeout_s=None,
        doc_memory_mb=None,
        export_personal_data=None,
        allow_empty_inbox=None,
    ) -> Settings:
        """Validated settings from raw values (strings as in the environment, or typed); None or
        "" is the default, the paths under the warehouse folder follow it."""
        warehouse = _path(warehouse_dir, REPO / "warehouse")
        return cls(
            inbox=_path(inbox, REPO / "data" / "samples"),
            warehouse_dir=warehouse,
            build_db=_path(build_db, warehouse / "build" / "gent.duckdb"),
            dagster_home=_path(dagster_home, warehouse / "dagster_home"),
            data_docs_dir=_path(data_docs_dir, warehouse / "gx"),
            pdf_engine=_engine(pdf_engine),
            doc_timeout_s=_number(
                "doc_timeout_s", doc_timeout_s, float, DEFAULT_TIMEOUT_S, MIN_TIMEOUT_S, MAX_TIMEOUT_S, "s"
            ),
            doc_memory_mb=_number(
                "doc_memory_mb", doc_memory_mb, int, DEFAULT_MEMORY_MB, MIN_MEMORY_MB, MAX_MEMORY_MB, "MB"
            ),
            export_personal_data=_switch("export_personal_data", export_personal_data),
            allow_empty_inbox=_switch("allow_empty_inbox", allow_empty_inbox),
        )

    def as_config(self) -> dict[str, str]:
        """The values as config of the `settings` resource (all strings, as in the environment)."""
        return {k: str(v) for k, v in asdict(self).items()}


def _path(value, default: Path) -> Path:
    return Path(value or default).expanduser().resolve()


def _engine(value) -> str:
    engine = (value or "pdfplumber").strip().lower() if isinstance(value, str) or value is None else value
    if engine not in PDF_ENGINES:
        raise ConfigurationError(
            ENV_VARS["pdf_engine"], value, f"unknown PDF engine; use one of {', '.join(PDF_ENGINES)}"
        )
    return engine


def _number(field: str, value, kind, default, low, high, unit: str):
    variable = ENV_VARS[field]
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        number = kind(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigurationError(variable, value, f"not a {'whole ' if kind is int else ''}number") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise ConfigurationError(variable, value, "not a finite number")
    if not low <= number <= high:
        raise ConfigurationError(variable, value, f"must be between {low:g} and {high:g} {unit} per report")
    return number


def _switch(field: str, value) -> bool:
    if isinstance(value, bool):
        return value
    word = (value or "").strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        raise ConfigurationError(
            ENV_VARS[field], value, f"use one of {', '.join(TRUE_WORDS)} or {', '.join(filter(None, FALSE_WORDS))}"
        )
    return word in TRUE_WORDS
