"""The build on a copy of the published warehouse of {000}: odd inbox entries, an empty or
missing inbox, a relative DAGSTER_HOME, damaged state met by `make ui`'s sensors, permissions.

A module of its own, beside test_reliability_build (whose scenario takes minutes: the two run
on two workers at once); each case copies the warehouse of conftest's `reliability_first`, the
scenario's previous good warehouse as its first build left it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO
from test_reliability_build import BUILD_TIMEOUT, NAME, SAMPLE, damage_warehouse, exports, sha256, state

from orchestration.build import build_command, fresh_env

pytestmark = pytest.mark.slow  # builds in subprocesses (`pytest -m "not slow"` leaves them out; CI runs them)


# ------------------------------------------------------------------ one entry never stops the others (issue 19.3)
# Each case on a copy of the published warehouse of {000}: nothing to extract, so each run takes seconds.


@pytest.fixture
def published_copy(reliability_first, tmp_path):
    warehouse, inbox = tmp_path / "warehouse", tmp_path / "inbox"
    shutil.copytree(reliability_first.pristine, warehouse, symlinks=True)
    inbox.mkdir()
    shutil.copyfile(SAMPLE, inbox / NAME)
    return warehouse, inbox


def run_build(
    inbox: Path, warehouse: Path, *options: str, env: dict | None = None, as_user: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """`make run` on that inbox and warehouse (`as_user`: a command that runs it as another user)."""
    return subprocess.run(
        [*as_user, *build_command(inbox, warehouse, *options)],
        cwd=REPO,
        env=env or fresh_env(),
        capture_output=True,
        timeout=BUILD_TIMEOUT,
    )


def release_files(warehouse: Path) -> dict[str, str]:
    return {
        "gent.duckdb": sha256(warehouse / "gent.duckdb"),
        **exports(warehouse),
        "index.html": sha256(warehouse / "report" / "index.html"),
    }


def test_odd_inbox_entries_each_get_a_line_and_the_rest_is_built(published_copy):
    warehouse, inbox = published_copy
    before = release_files(warehouse)
    os.mkfifo(inbox / "pipe.pdf")  # reading it would block
    (inbox / os.fsdecode(b"caf\xe9.pdf")).write_bytes(SAMPLE.read_bytes())  # a name that is not UTF-8
    (inbox / "broken.pdf").symlink_to(inbox / "nothing.pdf")
    (inbox / "notes.txt").write_text("not a report")
    done = run_build(inbox, warehouse)
    out = done.stdout.decode()
    assert done.returncode == 1, out  # partial success: a report file could not be read
    lines = [l for l in out.splitlines() if l.startswith(("  FAILED", "  ignored"))]
    assert sorted(lines) == [
        "  FAILED caf\\xe9.pdf: its name is not valid UTF-8: rename the file",
        "  ignored broken.pdf: a link to nothing",
        "  ignored notes.txt: not a .pdf file",
        "  ignored pipe.pdf: a FIFO, not a regular file",
    ]
    assert "nothing to do" in out and "Traceback" not in out + done.stderr.decode()
    assert release_files(warehouse) == before


@pytest.mark.parametrize("case", ["empty", "missing"])
def test_an_empty_or_missing_inbox_never_empties_the_warehouse(published_copy, case):
    warehouse, inbox = published_copy
    before, loaded = release_files(warehouse), state(warehouse / "build" / "gent.duckdb")
    (inbox / NAME).unlink()
    if case == "missing":
        inbox.rmdir()
    done = run_build(inbox, warehouse)
    out = done.stdout.decode()
    assert done.returncode == 2, out  # nothing published
    expected = (
        "holds no readable report, the warehouse 1: not emptied" if case == "empty" else "is missing (or not a folder)"
    )
    assert f"Build error: the inbox {inbox} {expected}" in out and "--allow-empty" in out
    assert release_files(warehouse) == before and state(warehouse / "build" / "gent.duckdb") == loaded


def test_a_relative_dagster_home_is_a_clear_error(published_copy):
    warehouse, inbox = published_copy
    done = run_build(inbox, warehouse, env=fresh_env(DAGSTER_HOME="relative/home"))
    out = done.stdout.decode()
    assert done.returncode == 2
    assert "Build error: DAGSTER_HOME must be an absolute path, not 'relative/home'" in out
    assert "Traceback" not in out + done.stderr.decode()


# ------------------------------------------------------------------ the same healing under `make ui` (issue 19 gap c)


def test_make_ui_heals_damaged_state_at_its_sensor_ticks(reliability_first, tmp_path):
    """The damage of the `heal` build (a truncated published file, garbage as the build database,
    leftovers of a killed publication), met by the sensors on a real instance instead of `make
    run`: before, only the published file was published again and the inbox sensor's tick failed
    on the build database."""
    import dagster as dg
    from test_automation import tick

    from ingest.config import Settings
    from orchestration.definitions import build_definitions

    warehouse = tmp_path / "warehouse"
    shutil.copytree(reliability_first.pristine, warehouse, symlinks=True)
    inbox = damage_warehouse(warehouse, tmp_path / "inbox")
    defs = build_definitions(Settings.build(inbox=inbox, warehouse_dir=warehouse))
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "home")) as instance:
        extracted = tick(instance, "inbox_sensor", defs)  # heals first: a new build database, then 000 into it
        rebuilt = tick(instance, "rebuild_sensor", defs)
        again = tick(instance, "inbox_sensor", defs), tick(instance, "rebuild_sensor", defs)
    assert extracted == [("extract_reports", NAME, True)]
    assert rebuilt == [("build_warehouse", None, True)] and again == ([], [])
    healed, first = state(warehouse / "gent.duckdb"), reliability_first.first
    assert healed["raw"] == first["raw"] and healed["marts"] == first["marts"]
    assert exports(warehouse) == reliability_first.first_exports  # byte for byte
    assert (warehouse / "build" / "gent.duckdb.damaged").exists() and (warehouse / ".gent.duckdb.damaged").exists()
    assert not [p.name for p in warehouse.iterdir() if p.name.endswith((".staging", ".publishing"))]


# ------------------------------------------------------------------ permissions on a real file system (issue 19 gap d)
# The tests run as root, who reads and writes everything; the unit tests patch the OS calls. Here
# the build runs as the unprivileged user `nobody` (uid 65534), so the kernel itself refuses.

NOBODY = 65534
# util-linux's setpriv switches user and groups, then runs the build (here a preexec_fn doing the
# same got EACCES executing the venv's python, a link into /root; setpriv's exec did not)
AS_NOBODY = ("setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups")


def nobody_copy(reliability_first) -> tuple[Path, Path, Path]:
    """A copy of the published warehouse of 000 and an inbox holding 000, in a folder nobody may enter
    (pytest's own temporary folders are root's alone)."""
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="gent-nobody-"))
    root.chmod(0o755)
    warehouse, inbox = root / "warehouse", root / "inbox"
    shutil.copytree(reliability_first.pristine, warehouse, symlinks=True)
    inbox.mkdir()
    shutil.copyfile(SAMPLE, inbox / NAME)
    return root, warehouse, inbox


def run_as_nobody(inbox: Path, warehouse: Path) -> subprocess.CompletedProcess:
    env = fresh_env(HOME=str(warehouse.parent), PYTHONDONTWRITEBYTECODE="1")  # nobody's home is not there
    return run_build(inbox, warehouse, env=env, as_user=AS_NOBODY)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="running as nobody needs root and setpriv")
def test_a_warehouse_folder_nobody_may_write_is_named_before_anything_runs(reliability_first):
    root, warehouse, inbox = nobody_copy(reliability_first)  # root's folders, mode 755: nobody reads, cannot write
    try:
        before = release_files(warehouse)
        done = run_as_nobody(inbox, warehouse)
        out, err = done.stdout.decode(), done.stderr.decode()
        assert done.returncode == 2, out + err  # nothing published
        assert f"cannot write in {warehouse} (Permission denied): the warehouse folder must be writable" in out
        assert "Traceback" not in out + err and release_files(warehouse) == before
    finally:
        shutil.rmtree(root)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="running as nobody needs root and setpriv")
def test_a_report_nobody_may_read_is_named_and_its_loaded_rows_stay(reliability_first):
    root, warehouse, inbox = nobody_copy(reliability_first)
    try:
        for path in [warehouse, *warehouse.rglob("*")]:  # the warehouse is nobody's to write ...
            os.lchown(path, NOBODY, NOBODY)
        shutil.copyfile(SAMPLE, inbox / "locked.pdf")
        (inbox / "locked.pdf").chmod(0)  # ... this report is root's, readable by no one else
        before, loaded = release_files(warehouse), state(warehouse / "build" / "gent.duckdb")
        done = run_as_nobody(inbox, warehouse)
        out, err = done.stdout.decode(), done.stderr.decode()
        assert done.returncode == 1, out + err  # partial success: one report could not be read
        assert "  FAILED locked.pdf: cannot be read (Permission denied)" in out.splitlines()
        assert "nothing to do" in out and "Traceback" not in out + err
        assert release_files(warehouse) == before and state(warehouse / "build" / "gent.duckdb") == loaded
    finally:
        shutil.rmtree(root)
