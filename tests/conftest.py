"""Shared fixtures: each sample extracted once per run, the warehouse of the dumps built once per
worker, Chromium; and how the suite is split over parallel workers (pytest-xdist)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from extract.document import Extraction, Source, extract_source, read_source  # noqa: E402

DUMPS = REPO / "data" / "dumps"
SAMPLES = REPO / "data" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_IDS = ("000", "001", "002")


def sample_path(sample: str, fmt: str) -> Path:
    """data/dumps/<sample>_*.txt (fmt 'text') or data/samples/<sample>_*.pdf (fmt 'pdf')."""
    folder, suffix = (DUMPS, "txt") if fmt == "text" else (SAMPLES, "pdf")
    return next(folder.glob(f"{sample}_*.{suffix}"))


@dataclass
class Extracted:
    path: Path
    source: Source  # the text layer the extraction read (lines with page/line lineage)
    extraction: Extraction

    @property
    def tables(self) -> dict[str, list]:
        return self.extraction.tables


# ------------------------------------------------------------------ parallel workers
# `make test` runs the suite on pytest-xdist workers (`-n auto --dist loadgroup`, pyproject). Each
# module is one group, so a module's fixtures are built once, on one worker; the corpus PDFs are
# one group each, so their extraction spreads over the workers. Work that several modules need
# (a sample PDF's extraction) is done once per run by `computed_once` and shared through files.


def run_folder(tmp_path_factory) -> Path:
    """A folder of this run shared by all its workers (the base temp folder's parent under
    xdist: pytest-N/, the workers' own being pytest-N/popen-gwK), or the session's own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def computed_once(tmp_path_factory, key: str, compute):
    """compute() once per run: the first worker to ask computes and pickles the value, the
    others wait for it (file lock) and read it back."""
    folder = run_folder(tmp_path_factory) / "computed_once"
    folder.mkdir(exist_ok=True)
    stored = folder / f"{key}.pickle"
    with open(folder / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stored.exists():
            return pickle.loads(stored.read_bytes())
        value = compute()
        partial = stored.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(value))
        partial.replace(stored)
        return value


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(session, config, items):
    """Group the tests for xdist (see above) and start with the longest groups, so that no
    worker is left with a long group at the end while the other waits."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: the rest keep their order


# Modules by descending wall time of their tests (measured with --durations=0); the others follow.
LONGEST_FIRST = ()


def _extracted(sample: str, fmt: str) -> Extracted:
    path = sample_path(sample, fmt)
    data = path.read_bytes()  # the same steps as extract_file, keeping the Source
    source = read_source(path, data)
    return Extracted(path, source, extract_source(source, path, hashlib.sha256(data).hexdigest()))


@pytest.fixture(scope="session")
def extracted(tmp_path_factory):
    """extracted(sample, fmt) -> Extracted; PDFs take seconds, so each file is read once per run."""
    cache: dict[tuple[str, str], Extracted] = {}

    def get(sample: str, fmt: str) -> Extracted:
        if (sample, fmt) not in cache:
            cache[sample, fmt] = computed_once(
                tmp_path_factory, f"extracted-{sample}-{fmt}", lambda: _extracted(sample, fmt)
            )
        return cache[sample, fmt]

    return get


@dataclass
class DumpsWarehouse:
    """A warehouse built once per session from the bundled text dumps (same rows as the PDFs)."""

    db: Path  # the build database dbt wrote (this process may still hold dbt's connection to it)
    published: Path  # a published copy, safe to open read-only
    target: Path  # dbt's target path: manifest.json, catalog.json, compiled analyses
    build: object  # dbtRunnerResult of `dbt build` (models, seeds, tests, unit tests)
    docs: object  # of `dbt docs generate`
    compiled: object  # of `dbt compile --select path:analyses`


@pytest.fixture(scope="session")
def dumps_warehouse(tmp_path_factory) -> DumpsWarehouse:
    import duckdb
    from dbt.cli.main import dbtRunner

    from extract.document import extract_file
    from extract.writer import to_arrow
    from orchestration.publish import publish_database
    from orchestration.raw_load import replace_document

    work = tmp_path_factory.mktemp("dumps_warehouse")
    db, target, logs = work / "gent.duckdb", work / "target", work / "logs"
    con = duckdb.connect(str(db))
    for dump in sorted(DUMPS.glob("*.txt")):
        replace_document(con, to_arrow(extract_file(dump)))
    con.close()
    project = REPO / "dbt_project"
    previous = os.environ.get("GENT_BUILD_DB")
    os.environ["GENT_BUILD_DB"] = str(db)
    common = [
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(target),
        "--log-path",
        str(logs),
        "--quiet",
    ]
    try:
        runner = dbtRunner()
        build = runner.invoke(["build", *common])
        docs = runner.invoke(["docs", "generate", *common])
        compiled = runner.invoke(["compile", "--select", "path:analyses", *common])
    finally:
        if previous is None:
            os.environ.pop("GENT_BUILD_DB", None)
        else:
            os.environ["GENT_BUILD_DB"] = previous
    published = publish_database(db, work / "published" / "gent.duckdb")
    return DumpsWarehouse(db, published, target, build, docs, compiled)


# ------------------------------------------------------------------ headless Chromium
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium(tmp_path_factory) -> Path:
    """Debian's chromium; installed with apt-get when missing (as root), else the test is skipped with the reason."""
    with open(run_folder(tmp_path_factory) / "chromium.lock", "w") as lock:  # one worker installs, the others wait
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not CHROMIUM.exists():
            _install_chromium()
    return CHROMIUM


def _install_chromium() -> None:
    import shutil
    import subprocess

    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip("/usr/bin/chromium missing and not root with apt-get to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:  # stale package lists: refresh once and retry
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, text=True, timeout=600)
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        pytest.skip("apt-get install chromium timed out")
    if proc.returncode != 0 or not CHROMIUM.exists():
        pytest.skip(f"apt-get install chromium failed ({proc.returncode}): {proc.stderr.strip()[-400:]}")


# duckdb 2.0 prints "nanobind: leaked …" lines at interpreter shutdown (harmless). Leave right
# after pytest's own last words, so that its summary line stays the last line of the run.
_exit_status: list[int] = []


def pytest_sessionfinish(session, exitstatus):
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    if _exit_status:
        sys.stdout.flush(), sys.stderr.flush()
        os._exit(_exit_status[-1])
