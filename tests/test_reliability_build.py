"""The whole build under bad input and faults: `python -m orchestration.build` in subprocesses.

One scenario, small inboxes (the 27-page sample 000), temporary warehouses:

  A  first  : inbox {000}                      -> warehouse W1 published (the previous good one)
     fresh  : inbox {000, new edition}  (W3, a fresh warehouse, at the same time as `first`)
  B  W1 is copied to W2. Then, at the same time:
     bad    : W1, inbox {000} + every bad file of issue 9          -> reported, quarantined, nothing else changes
     kills  : W2, inbox {000 replaced by its new edition}:
              SIGKILL of the whole process group during extraction, inside the load transaction
              (just before COMMIT) and during dbt; after each one the published warehouse is
              still W1's, byte for byte, and the raw rows are one whole edition, never a mix
     rerun  : W2, the same inbox, with a BI reader holding the published database open: it
              completes, the reader sees no error and one consistent snapshot, and marts,
              exports and raw rows equal those of `fresh` (same input, no kill).

Kills are real: each build runs in its own session (start_new_session) and the test
`os.killpg(…, SIGKILL)`s the group (the build, its extraction children, dbt), having polled for
the stage: the guarded extraction child at work, a marker written by a fault hook just before
the load's COMMIT, dbt's target folder filling up with executed models.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import REPO
from test_reliability_files import BAD, NEW_TITLE, SAMPLE, make_huge_page, make_new_edition, png_bytes

from extract.records import SCHEMAS
from orchestration.build import build_command, fresh_env

pytestmark = pytest.mark.slow  # whole builds in subprocesses (`pytest -m "not slow"` leaves them out; CI runs them)

BUILD_TIMEOUT = 600
NAME = SAMPLE.name  # the report's file name in every inbox
DUPLICATE = "copy_of_" + NAME


# ------------------------------------------------------------------ running builds


class Build:
    """`python -m orchestration.build` in its own session, output to files."""

    def __init__(self, inbox: Path, warehouse: Path, label: str, *options: str, env: dict | None = None):
        self.label, self.warehouse = label, warehouse
        logs = warehouse.parent / "logs"
        logs.mkdir(exist_ok=True)
        self.out_path, self.err_path = logs / f"{label}.out", logs / f"{label}.err"
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.proc = subprocess.Popen(
                build_command(inbox, warehouse, *options),
                cwd=REPO,
                env=env or fresh_env(),
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        self.started = time.monotonic()

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    def tail(self) -> str:
        return f"--- {self.label} stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.err_path.read_text(errors='replace')[-3000:]}"

    def wait(self) -> int:
        try:
            return self.proc.wait(timeout=BUILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.label} did not finish in {BUILD_TIMEOUT} s\n{self.tail()}") from None

    def processes(self) -> list[int]:
        """Live processes of the build's group (zombies excluded)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(") ", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.proc.pid and not _exited(stat.parent, fields[0]):
                found.append(int(stat.parent.name))
        return found

    def poll_for(self, what: str, found, timeout: float = 240):
        """Poll `found()` until it returns something; fail if the build ends first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = found()
            if result:
                return result
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.label} ended (exit {self.proc.returncode}) before {what}\n{self.tail()}")
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"{self.label}: no {what} within {timeout} s\n{self.tail()}")

    def kill(self) -> list[int]:
        """SIGKILL the whole group; returns the processes still alive 10 s later (should be none)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        deadline = time.monotonic() + 10
        while self.processes() and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.processes()


def _exited(proc_dir: Path, state: str) -> bool:
    """A zombie whose threads are all gone. A killed multi-threaded process shows its main
    thread as a zombie while its other threads (DuckDB's) are still exiting, and its files,
    with the database lock, are released only when the last one is gone."""
    try:
        return state == "Z" and len(list((proc_dir / "task").iterdir())) <= 1
    except OSError:
        return True


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def environ(pid: int) -> dict[str, str]:
    try:
        pairs = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return {}
    return dict(p.split("=", 1) for p in pairs if "=" in p)


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# A fault hook for the load: every Python process of the build imports sitecustomize; when the
# variable is set, ingest.raw_load.replace_document runs as usual up to its COMMIT (old
# rows deleted, new rows inserted, all in one open transaction), writes the marker and waits.
PAUSE_HOOK = """
import os, sys
if os.environ.get("GENT_TEST_PAUSE_BEFORE_COMMIT"):
    import importlib.abc, importlib.machinery

    class _Paused:
        def __init__(self, conn):
            self._conn = conn
        def __getattr__(self, name):
            return getattr(self._conn, name)
        def execute(self, sql, *args):
            if sql.strip().upper() == "COMMIT":
                with open(os.environ["GENT_TEST_PAUSE_BEFORE_COMMIT"], "w") as marker:
                    marker.write(str(os.getpid()))
                import time
                time.sleep(3600)
            return self._conn.execute(sql, *args)

    class _Hook(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name != "ingest.raw_load":
                return None
            sys.meta_path.remove(self)
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            load = spec.loader.exec_module
            def exec_module(module):
                load(module)
                real = module.replace_document
                module.replace_document = lambda conn, tables, *rest: real(_Paused(conn), tables, *rest)
            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _Hook())
"""


# ------------------------------------------------------------------ looking at warehouses


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


MARTS_QUERY = (
    "select count(*), md5(coalesce(string_agg(x, chr(10) order by x), '')) "
    "from (select cast(t as varchar) as x from {schema}.{table} as t)"
)


def table_hashes(conn, schema: str, tables=None) -> dict[str, tuple[int, str]]:
    if tables is None:
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
            ).fetchall()
        ]
    return {t: tuple(conn.execute(MARTS_QUERY.format(schema=schema, table=t)).fetchone()) for t in tables}


def state(db: Path) -> dict:
    """Marts and raw rows (count + content hash per table), load history and quarantine of one database."""
    with duckdb.connect(str(db), read_only=True) as conn:
        schemas = {r[0] for r in conn.execute("select schema_name from information_schema.schemata").fetchall()}
        return {
            "marts": table_hashes(conn, "marts") if "marts" in schemas else {},
            "raw": table_hashes(conn, "raw", list(SCHEMAS)),
            "documents": conn.execute("select file_name, document_id from raw.documents order by 1").fetchall(),
            "history": conn.execute(
                "select file_name, document_id, action, recorded_at from raw.load_history order by recorded_at"
            ).fetchall(),
            "quarantine": dict(conn.execute("select file_name, reason from raw.quarantine").fetchall()),
            "titles": [r[0] for r in conn.execute("select title from raw.nodes where code = 'PR62068'").fetchall()],
        }


def exports(warehouse: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted((warehouse / "export").iterdir())}


# The BI reader: one read-only connection opened before the rebuild and held through it.
HOLDER = """
import json, sys, time, duckdb
from pathlib import Path
db, ready, stop, query = sys.argv[1:5]
conn = duckdb.connect(db, read_only=True)
def snapshot():
    tables = [r[0] for r in conn.execute("select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
    return {t: list(conn.execute(query.format(schema="marts", table=t)).fetchone()) for t in tables}
readings, errors = [snapshot()], []
Path(ready).write_text("ready")
while not Path(stop).exists():
    try:
        readings.append(snapshot())
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.5)
print(json.dumps({"readings": readings, "errors": errors}))
"""


# ------------------------------------------------------------------ the scenario


def fill_bad_inbox(inbox: Path, outside: Path) -> dict[str, str]:
    """Every bad input of issue 9 next to the good report; file name -> expected reason."""
    expected = {}
    for make, reason in BAD.values():
        expected[make(inbox).name] = reason
    expected[make_huge_page(inbox).name] = "exceeded memory limit 450 MB"
    shutil.copyfile(inbox / NAME, inbox / DUPLICATE)  # the same report under a second name
    (inbox / "scan.png").write_bytes(png_bytes())  # an image under its own name: not a report file
    outside.mkdir()
    make_new_edition(outside / "elsewhere.pdf")  # a valid report outside the inbox ...
    (inbox / "link_out.pdf").symlink_to(outside / "elsewhere.pdf")  # ... reachable only by a link
    (inbox / "sub").mkdir()
    shutil.copyfile(outside / "elsewhere.pdf", inbox / "sub" / "nested.pdf")
    return expected


def remove_dbt_targets(warehouses: list[Path]) -> None:
    """Remove dbt target folders these builds may have left in dbt_project/target (older layouts)."""
    target = REPO / "dbt_project" / "target"
    for warehouse in warehouses:
        for run in (warehouse / "dagster_home" / "history" / "runs").glob("*.db"):
            for folder in target.glob(f"warehouse_dbt_models-{run.stem[:7]}-*"):
                shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, request):
    root = tmp_path_factory.mktemp("reliability")
    seen: dict = {}
    try:
        yield run_scenario(root, lambda: request.getfixturevalue("reliability_first"), seen)
    finally:
        remove_dbt_targets([seen.get("w1", root / "w1"), root / "w2", root / "w3", root / "w4"])


def run_scenario(root: Path, first_build, seen: dict) -> dict:
    inbox2, w2, w3 = root / "inbox2", root / "w2", root / "w3"
    inbox2.mkdir()
    make_new_edition(inbox2 / NAME)  # the same report, corrected by the city: same file name, new bytes

    # A: the previous good warehouse, and a fresh build of the new edition to compare with at the
    # end. The first is conftest's `reliability_first` (inbox {000} into w1, once per run: asked
    # for once `fresh` runs, so that the two build at the same time); this scenario goes on in it.
    fresh = Build(inbox2, w3, "fresh")
    first = first_build()
    inbox1, w1 = first.inbox, first.warehouse
    seen.update({"inbox1": inbox1, "inbox2": inbox2, "w1": w1, "w2": w2, "w3": w3})
    seen["first"] = first.first
    # The build database keeps the personal names the published file leaves out: builds compare with builds.
    seen["first_build"] = first.first_build
    seen["first_exports"] = first.first_exports
    published = w2 / "gent.duckdb"
    shutil.copytree(first.pristine, w2, symlinks=True)
    w4, seen["pristine"] = root / "w4", first.pristine  # for the damaged-state build (and test_reliability_published)
    shutil.copytree(first.pristine, w4, symlinks=True)
    seen["published_sha"] = sha256(published)
    seen["published_inode"] = published.stat().st_ino

    # B1: bad input, in W1, while W2 is being killed.
    seen["bad_expected"] = fill_bad_inbox(inbox1, root / "outside")
    bad = Build(inbox1, w1, "bad", env=fresh_env(GENT_DOC_MEMORY_MB="450"))

    # B2: kill during extraction: the guarded extraction child is at work (past its imports,
    # ~0,4 CPU s; the whole extraction of this 27-page report takes ~1,4 CPU s).
    k1 = Build(inbox2, w2, "kill_extraction")
    child = k1.poll_for(
        "extraction child",
        lambda: next((p for p in k1.processes() if "ingest.sandbox" in cmdline(p) and cpu_seconds(p) > 0.6), None),
    )
    seen["k1_stage"] = " ".join(cmdline(child))
    seen["k1_left"] = k1.kill()
    seen["k1"] = state(w2 / "build" / "gent.duckdb")
    seen["k1_published"] = (sha256(published), published.stat().st_ino)

    # B3: kill inside the load transaction (rows deleted and inserted, COMMIT not yet run).
    hook = root / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(PAUSE_HOOK)
    marker = root / "paused_before_commit"
    k2 = Build(
        inbox2,
        w2,
        "kill_load",
        env=fresh_env(
            PYTHONPATH=os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")])),
            GENT_TEST_PAUSE_BEFORE_COMMIT=str(marker),
        ),
    )
    k2.poll_for("the load's COMMIT", marker.exists)
    seen["k2_stage"] = marker.read_text()
    seen["k2_left"] = k2.kill()
    seen["k2"] = state(w2 / "build" / "gent.duckdb")
    seen["k2_published"] = (sha256(published), published.stat().st_ino)

    # B4: kill during dbt: its target folder fills with the models it has run.
    k3 = Build(inbox2, w2, "kill_dbt")

    def dbt_running():
        for pid in k3.processes():
            line = cmdline(pid)
            if any(part.endswith("/dbt") for part in line) and "build" in line:
                target = Path(environ(pid).get("DBT_TARGET_PATH", ""))
                target = target if target.is_absolute() else REPO / "dbt_project" / target
                run = target / "run"
                if run.is_dir() and sum(1 for p in run.rglob("*.sql")) >= 5:
                    return target
        return None

    target = k3.poll_for("dbt running models", dbt_running)
    seen["k3_left"] = k3.kill()
    seen["k3_dbt_finished"] = (target / "run_results.json").exists()
    seen["k3_models_run"] = sum(1 for _ in (target / "run").rglob("*.sql"))
    seen["k3"] = state(w2 / "build" / "gent.duckdb")
    seen["k3_published"] = (sha256(published), published.stat().st_ino)

    # B5: the next run, with a BI reader holding the published database open all along.
    ready, stop = root / "reader_ready", root / "reader_stop"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(published), str(ready), str(stop), MARTS_QUERY],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline and holder.poll() is None:
        time.sleep(0.05)
    assert ready.exists(), holder.communicate()
    rerun = Build(inbox2, w2, "rerun")
    heal = Build(damage_warehouse(w4, root / "inbox4"), w4, "heal")  # beside the rerun: its timing does not matter
    probes, probe_errors = [], []
    while rerun.proc.poll() is None:  # readers that connect during the rebuild
        try:
            with duckdb.connect(str(published), read_only=True) as conn:
                probes.append(table_hashes(conn, "marts"))
        except Exception as exc:
            probe_errors.append(repr(exc))
        time.sleep(1.0)
    seen["rerun_rc"], seen["rerun_out"] = rerun.wait(), rerun.tail()
    with duckdb.connect(str(published), read_only=True) as conn:
        probes.append(table_hashes(conn, "marts"))
    stop.write_text("stop")
    out, err = holder.communicate(timeout=60)
    assert holder.returncode == 0, err
    seen["holder"] = json.loads(out)
    seen["probes"], seen["probe_errors"] = probes, probe_errors
    seen["rerun"] = state(published)
    seen["rerun_exports"] = exports(w2)

    seen["heal_rc"], seen["heal_out"], seen["heal_tail"] = heal.wait(), heal.stdout, heal.tail()
    seen["heal"], seen["heal_exports"], seen["heal_left"] = (
        state(w4 / "gent.duckdb"),
        exports(w4),
        sorted(
            p.name
            for p in w4.iterdir()
            if p.name.startswith(".") and p.name not in (".release.json", ".gent.duckdb.damaged", ".build.lock")
        ),
    )
    assert fresh.wait() == 0, fresh.tail()
    seen["fresh"] = state(w3 / "gent.duckdb")
    seen["fresh_build"] = state(w3 / "build" / "gent.duckdb")
    seen["fresh_exports"] = exports(w3)
    seen["bad_rc"] = bad.wait()
    seen["bad_out"] = bad.stdout
    seen["bad_tail"] = bad.tail()
    seen["bad"] = state(w1 / "gent.duckdb")
    seen["bad_exports"] = exports(w1)
    return seen


def damage_warehouse(warehouse: Path, inbox: Path) -> Path:
    """Issue 19.4: what a crash, a full disk or a stray write leaves; returns an inbox of the report alone."""
    published = warehouse / "gent.duckdb"
    with open(published, "r+b") as handle:  # a truncated published file
        handle.truncate(published.stat().st_size // 2)
    build = warehouse / "build" / "gent.duckdb"
    build.write_bytes(os.urandom(64 * 1024))  # garbage in the build database
    (warehouse / ".gent.duckdb.publishing").write_bytes(b"half a copy")  # leftovers of a killed publication
    (warehouse / ".export.x1y2.staging").mkdir()
    (warehouse / ".export.x1y2.staging" / "fct_spending.csv").write_text("half")
    inbox.mkdir()
    shutil.copyfile(SAMPLE, inbox / NAME)
    return inbox


# ------------------------------------------------------------------ bad input


def test_every_bad_file_is_named_with_its_reason_in_the_cli_output(scenario):
    out = scenario["bad_out"]
    assert scenario["bad_rc"] == 1, scenario["bad_tail"]  # failures make the exit code non-zero ...
    assert "Warehouse published" in out  # ... but the good report is still built and published
    for name, reason in scenario["bad_expected"].items():
        line = next((l for l in out.splitlines() if l.startswith(f"  FAILED {name}: ")), None)
        assert line and reason in line, (name, reason, line, scenario["bad_tail"])
    assert f"  NOT LOADED {DUPLICATE}: same content as {NAME}" in out
    ignored = [l for l in out.splitlines() if l.startswith("  ignored")]  # one line per entry, with its reason
    assert sorted(ignored) == [
        "  ignored link_out.pdf: a link that leads out of the inbox",
        "  ignored scan.png: not a .pdf file",
        "  ignored sub: a folder (reports are read from the inbox itself only)",
    ]
    assert "Traceback" not in out


def test_every_bad_file_is_quarantined_with_its_reason(scenario):
    quarantine = scenario["bad"]["quarantine"]
    for name, reason in scenario["bad_expected"].items():
        assert reason in quarantine.get(name, ""), (name, quarantine.get(name))
    assert quarantine[DUPLICATE].startswith(f"same content as {NAME}")
    expected = set(scenario["bad_expected"]) | {DUPLICATE}
    assert set(quarantine) == expected  # the good report, the link out and the nested file are not in it


def test_bad_input_leaves_the_good_report_and_the_published_warehouse_untouched(scenario):
    first, bad = scenario["first"], scenario["bad"]
    assert bad["raw"] == first["raw"]  # the same rows, nothing added, nothing lost
    assert bad["documents"] == first["documents"] == [(NAME, sha256(SAMPLE))]
    assert bad["marts"] == first["marts"]
    assert scenario["bad_exports"] == scenario["first_exports"]  # byte for byte
    assert [h[2] for h in bad["history"]] == ["loaded"]  # the good report was not even extracted again


def test_the_failures_are_visible_in_the_dagster_ui(scenario):
    """The run history the UI shows (warehouse/dagster_home): one failed run per bad file, with its reason."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    from orchestration.defs.automation.jobs import report_steps

    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(scenario["w1"] / "dagster_home")))
    try:
        failed = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
        reasons = {}
        for run in failed:  # make run's extract_inbox run: a step per report, named after its file
            names = run.run_config["ops"]["inbox_reports"]["config"]["file_names"]
            steps = report_steps(names)
            for event in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
                data = event.dagster_event.step_failure_data
                reasons[steps[event.step_key]] = (
                    data.user_failure_data.description if data.user_failure_data else data.error.message
                )
    finally:
        instance.dispose()
    for name, reason in scenario["bad_expected"].items():
        assert reason in reasons.get(name, ""), (name, reasons.get(name))


# ------------------------------------------------------------------ kills


def test_kills_hit_the_stage_they_were_aimed_at(scenario):
    assert "ingest.sandbox" in scenario["k1_stage"] and NAME in scenario["k1_stage"]
    assert scenario["k2_stage"].isdigit()  # the pid that was inside the load transaction
    assert not scenario["k3_dbt_finished"] and scenario["k3_models_run"] >= 5
    for step in ("k1", "k2", "k3"):
        assert scenario[f"{step}_left"] == [], f"processes of the killed build still alive after {step}"


@pytest.mark.parametrize("step", ["k1", "k2", "k3"])
def test_after_a_kill_the_published_warehouse_is_the_previous_good_one(scenario, step):
    assert scenario[f"{step}_published"] == (scenario["published_sha"], scenario["published_inode"])


@pytest.mark.parametrize("step", ["k1", "k2"])
def test_a_kill_before_the_commit_leaves_the_previous_edition_whole(scenario, step):
    got, first = scenario[step], scenario["first_build"]
    assert got["raw"] == first["raw"], "rows of the killed load leaked into the build database"
    assert got["documents"] == [(NAME, sha256(SAMPLE))]
    assert [h[2] for h in got["history"]] == ["loaded"]


def test_a_kill_during_dbt_comes_after_a_whole_load_of_the_new_edition(scenario):
    got, fresh = scenario["k3"], scenario["fresh_build"]
    assert got["raw"] == fresh["raw"] and got["titles"] == [NEW_TITLE]


def test_the_next_run_completes_with_no_duplicated_or_missing_rows(scenario):
    assert scenario["rerun_rc"] == 0, scenario["rerun_out"]
    rerun, fresh, first = scenario["rerun"], scenario["fresh"], scenario["first"]
    assert rerun["raw"] == fresh["raw"]  # every raw row of the new edition, once
    assert rerun["documents"] == fresh["documents"] == [(NAME, sha256(scenario["inbox2"] / NAME))]
    assert rerun["marts"] == fresh["marts"]
    assert rerun["titles"] == [NEW_TITLE]
    # Same report structure as the old edition: every mart has the same number of rows.
    assert {t: n for t, (n, _) in rerun["marts"].items()} == {t: n for t, (n, _) in first["marts"].items()}


def test_a_newer_edition_replaces_the_old_rows_and_keeps_the_history(scenario):
    history = scenario["rerun"]["history"]
    assert [(h[0], h[1], h[2]) for h in history] == [
        (NAME, sha256(SAMPLE), "loaded"),
        (NAME, sha256(scenario["inbox2"] / NAME), "replaced"),
    ]
    assert history[0][3] < history[1][3]  # which file was loaded when
    assert sha256(SAMPLE) not in {d for _, d in scenario["rerun"]["documents"]}


def test_two_runs_on_the_same_input_give_identical_marts_and_exports(scenario):
    assert scenario["rerun_exports"] == scenario["fresh_exports"]
    assert scenario["rerun"]["marts"] == scenario["fresh"]["marts"]


def test_a_bi_reader_sees_no_error_and_one_consistent_view_during_the_rebuild(scenario):
    holder, old = scenario["holder"], scenario["first"]["marts"]
    old = {t: list(v) for t, v in old.items()}
    new = {t: list(v) for t, v in scenario["rerun"]["marts"].items()}
    assert old != new  # the rebuild did change the published data
    assert holder["errors"] == [] and len(holder["readings"]) > 5
    assert all(reading == old for reading in holder["readings"])  # the held connection: the old snapshot, whole
    assert scenario["probe_errors"] == []
    probes = [{t: list(v) for t, v in p.items()} for p in scenario["probes"]]
    assert all(p in (old, new) for p in probes)  # a new connection: the old or the new snapshot, never a mix
    assert probes[-1] == new


# ------------------------------------------------------------------ damaged state (issue 19.4)


def test_damaged_state_heals_itself_in_one_run(scenario):
    out = scenario["heal_out"]
    assert scenario["heal_rc"] == 0, scenario["heal_tail"]
    assert "removed what an interrupted run left behind: .export.x1y2.staging, .gent.duckdb.publishing" in out
    assert "the build database was damaged (IO Error: The file" in out and "rebuilt from the inbox" in out
    assert "the published database was damaged" in out and "published again" in out
    assert "Traceback" not in out


def test_after_healing_the_release_equals_the_clean_build(scenario):
    healed, first = scenario["heal"], scenario["first"]
    assert healed["raw"] == first["raw"] and healed["marts"] == first["marts"]
    assert healed["documents"] == [(NAME, sha256(SAMPLE))]
    assert scenario["heal_exports"] == scenario["first_exports"]  # byte for byte
    assert scenario["heal_left"] == []  # no leftover, nothing staged
