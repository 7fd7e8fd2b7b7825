"""Configuration and concurrency at the edge of a build (issue 15.7, 19.6, 19.8).

- Bad settings are one configuration error at start, naming the variable, exit code 2, and
  nothing is read or written (never a file's fault).
- The settings reach the runs as a Dagster resource (run config), not through the environment.
- One build at a time: a second `make run` on a warehouse whose build lock is held exits at
  once (code 3) naming the holder, without a traceback; the `build_warehouse` job's lock
  resource refuses the same way.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.config import ConfigurationError, Settings
from orchestration.build import fresh_env, run_fresh

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "variable, value",
    [
        ("GENT_PDF_ENGINE", "foo"),
        ("GENT_DOC_TIMEOUT_S", "-1"),
        ("GENT_DOC_TIMEOUT_S", "0.001"),  # shorter than the extraction child's own start
        ("GENT_DOC_TIMEOUT_S", "nan"),
        ("GENT_DOC_MEMORY_MB", "99999999999999999999"),  # was an OverflowError blamed on the file
        ("GENT_DOC_MEMORY_MB", "64"),  # below the extractor's own footprint
        ("GENT_DOC_MEMORY_MB", "lots"),
        ("GENT_EXPORT_PERSONAL_DATA", "maybe"),
    ],
)
def test_an_impossible_setting_is_a_configuration_error_naming_its_variable(variable, value):
    with pytest.raises(ConfigurationError, match=f"^{variable}=") as error:
        Settings.from_env({variable: value})
    assert error.value.variable == variable


def test_good_settings_are_read_and_the_paths_follow_the_warehouse(tmp_path):
    settings = Settings.from_env(
        {
            "GENT_PDF_ENGINE": " PDFium ",
            "GENT_DOC_TIMEOUT_S": "30",
            "GENT_DOC_MEMORY_MB": "900",
            "GENT_WAREHOUSE_DIR": str(tmp_path),
            "GENT_EXPORT_PERSONAL_DATA": "yes",
        }
    )
    assert (settings.pdf_engine, settings.doc_timeout_s, settings.doc_memory_mb, settings.export_personal_data) == (
        "pdfium",
        30.0,
        900,
        True,
    )
    assert (
        settings.build_db == tmp_path / "build" / "gent.duckdb" and settings.dagster_home == tmp_path / "dagster_home"
    )
    assert settings.data_docs_dir == tmp_path / "gx"
    assert Settings.from_env({"GENT_INBOX": "in"}, inbox=tmp_path).inbox == tmp_path  # an option beats the environment
    assert Settings.build(**settings.as_config()) == settings  # what make run hands on as run config is what it built


def test_the_quality_suites_take_their_defaults_from_the_same_settings(tmp_path, monkeypatch):
    from expectations import run_suites

    monkeypatch.setenv("GENT_WAREHOUSE_DIR", str(tmp_path))
    monkeypatch.delenv("GENT_BUILD_DB", raising=False)
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "build" / "gent.duckdb")):
        run_suites()
    monkeypatch.setenv("GENT_DOC_TIMEOUT_S", "1")  # a bad setting is refused here as everywhere
    with pytest.raises(ConfigurationError, match="GENT_DOC_TIMEOUT_S"):
        run_suites()


def test_make_run_refuses_bad_configuration_at_start(tmp_path):
    """One line naming the variable, exit code 2 (a bad file is 1), no traceback, nothing written."""
    inbox, warehouse = tmp_path / "inbox", tmp_path / "warehouse"
    inbox.mkdir()
    done = run_fresh(inbox, warehouse, env=fresh_env(GENT_PDF_ENGINE="foo"), timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert lines == [
        "Configuration error: GENT_PDF_ENGINE='foo': unknown PDF engine; use one of pdfplumber, pdfium. "
        "Nothing was read or changed."
    ]
    assert not warehouse.exists()


def test_the_settings_reach_a_run_as_its_resource_not_through_the_environment(tmp_path, monkeypatch):
    """`make run`'s way: the extraction job gets inbox and build database as run config. The
    environment points elsewhere and is left as it was; the run reads and writes where the
    settings say (a file that is no report is refused into that build database's quarantine)."""
    import dagster as dg
    import duckdb

    from orchestration.defs.automation.jobs import extract_reports_job, resources_config

    inbox, elsewhere = tmp_path / "inbox", tmp_path / "elsewhere"
    inbox.mkdir(), elsewhere.mkdir()
    (inbox / "note.pdf").write_text("a note saved as .pdf")
    monkeypatch.setenv("GENT_INBOX", str(elsewhere))
    monkeypatch.setenv("GENT_BUILD_DB", str(elsewhere / "build.duckdb"))
    settings = Settings.build(inbox=inbox, warehouse_dir=tmp_path / "warehouse", doc_timeout_s=30)
    environment = dict(os.environ)
    job = extract_reports_job()
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("reports", ["note.pdf"])
        result = job.execute_in_process(
            instance=instance,
            partition_key="note.pdf",
            raise_on_error=False,
            run_config=resources_config(settings, ("settings", "warehouse")),
        )
    assert not result.success
    assert dict(os.environ) == environment
    with duckdb.connect(str(settings.build_db), read_only=True) as conn:
        assert conn.execute("select file_name, reason from raw.quarantine").fetchall() == [
            ("note.pdf", "not a PDF (no %PDF- signature) and not a .txt text dump")
        ]
    assert not (elsewhere / "build.duckdb").exists()


def test_the_code_location_takes_the_environment_as_env_vars():
    import dagster as dg

    from orchestration.resources import settings_resource

    resource = settings_resource({"GENT_PDF_ENGINE": "pdfium", "GENT_INBOX": ""})
    assert isinstance(resource.pdf_engine, dg.EnvVar) and resource.pdf_engine.env_var_name == "GENT_PDF_ENGINE"
    assert resource.inbox == ""  # unset (or empty): the default, not an EnvVar that would fail unset


HOLD = (
    "import sys, time; from pathlib import Path; from ingest.build_lock import build_lock\n"
    "with build_lock(Path(sys.argv[1]), 'a test build'):\n    print('held', flush=True); time.sleep(60)"
)


@pytest.fixture
def lock_held_elsewhere(tmp_path):
    """The build lock of tmp_path/warehouse held by another process (as by a running build)."""
    warehouse = tmp_path / "warehouse"
    settings = Settings.build(warehouse_dir=warehouse)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(settings.build_lock)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield settings
    finally:
        holder.kill()
        holder.wait()


def test_a_second_build_exits_at_once_naming_the_build_that_runs(tmp_path, lock_held_elsewhere):
    from ingest.build_lock import is_held

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    assert is_held(lock_held_elsewhere.build_lock)
    started = time.monotonic()
    done = run_fresh(inbox, lock_held_elsewhere.warehouse_dir, timeout=120)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert f"Not started: another build is running on {lock_held_elsewhere.warehouse_dir} (pid " in done.stderr
    assert ", a test build, since " in done.stderr
    assert time.monotonic() - started < 60  # it did not wait for the holder's minute
    assert not lock_held_elsewhere.build_db.exists()


def test_the_build_jobs_lock_resource_refuses_while_another_build_runs(lock_held_elsewhere):
    """What a `build_warehouse` run started in the UI beside `make run` does: fail at once, holder named."""
    import dagster as dg

    from orchestration.resources import BuildLock

    @dg.asset
    def needs_the_warehouse(build_lock: BuildLock) -> None:
        raise AssertionError("ran beside another build")

    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [needs_the_warehouse],
            instance=instance,
            raise_on_error=False,
            resources={"build_lock": BuildLock(lock_file=str(lock_held_elsewhere.build_lock))},
        )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_failure)
    assert "another build is running" in str(failure.event_specific_data), failure


def test_the_lock_is_free_again_when_its_holder_dies(tmp_path):
    from ingest.build_lock import build_lock, is_held

    lock = tmp_path / ".build.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(lock)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held" and is_held(lock)
    holder.kill(), holder.wait()  # as by SIGKILL: no clean-up ran
    assert not is_held(lock)
    with build_lock(lock, "the next build"), build_lock(lock, "its own build_warehouse run"):  # re-entrant in a process
        assert is_held(lock)
    assert not is_held(lock)


@pytest.mark.parametrize("engine, module", [("pdfium", "extract.pdfium_lines"), ("pdfplumber", "extract.pdf_lines")])
def test_the_pdf_engine_is_an_argument_of_the_extractor(engine, module, monkeypatch):
    """The engine chosen reads the PDF, whatever GENT_PDF_ENGINE says (the core reads no environment)."""
    import importlib

    from extract.document import read_source

    class Chosen(Exception):
        pass

    def reader(path, data):
        raise Chosen(module)

    monkeypatch.setattr(importlib.import_module(module), "_read_pages", reader)  # each engine's page reader
    monkeypatch.setenv("GENT_PDF_ENGINE", "pdfplumber" if engine == "pdfium" else "pdfium")
    with pytest.raises(Chosen, match=module):
        read_source(Path("report.pdf"), b"%PDF-1.4 a report\n%%EOF\n", engine)
    with pytest.raises(ValueError, match="unknown PDF engine 'foo'"):
        read_source(Path("report.pdf"), b"%PDF-1.4 a report", "foo")


def test_the_sensors_launch_nothing_while_a_build_holds_the_warehouse(tmp_path, lock_held_elsewhere):
    import dagster as dg

    from orchestration.definitions import build_definitions

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "new.pdf").write_bytes(b"%PDF-1.4 new")  # would be an extraction run otherwise
    defs = build_definitions(Settings.build(inbox=inbox, warehouse_dir=lock_held_elsewhere.warehouse_dir))
    with dg.instance_for_test() as instance:
        for name in ("inbox_sensor", "rebuild_sensor"):
            with dg.build_sensor_context(
                instance=instance, definitions=defs, resources={"settings": defs.resources["settings"]}
            ) as context:
                result = defs.resolve_sensor_def(name)(context)
            assert isinstance(result, dg.SkipReason) and "a build holds the warehouse" in result.skip_message, (
                name,
                result,
            )
