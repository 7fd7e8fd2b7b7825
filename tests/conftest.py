"""Shared fixtures of the extractor tests: each sample is read and extracted once per session."""

from __future__ import annotations

import hashlib
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


@pytest.fixture(scope="session")
def extracted():
    """extracted(sample, fmt) -> Extracted; PDFs take seconds, so each file is read only once."""
    cache: dict[tuple[str, str], Extracted] = {}

    def get(sample: str, fmt: str) -> Extracted:
        if (sample, fmt) not in cache:
            path = sample_path(sample, fmt)
            data = path.read_bytes()  # the same steps as extract_file, keeping the Source
            source = read_source(path, data)
            cache[sample, fmt] = Extracted(path, source, extract_source(source, path, hashlib.sha256(data).hexdigest()))
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
    import os

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
    import fcntl

    # Parallel test workers share the base temp folder's parent: one of them installs, the others wait.
    with open(tmp_path_factory.getbasetemp().parent / "chromium.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not CHROMIUM.exists():
            _install_chromium()
    return CHROMIUM


def _install_chromium() -> None:
    import os
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


# ------------------------------------------------------------------ the multi-engine corpus
# Extracting the 27 corpus PDFs takes minutes of one core. The corpus tests run last, and their
# PDFs are extracted meanwhile in a background process on the core the rest of the suite
# leaves free (most of it runs on one); run alone, they use both cores.
CORPUS_TESTS = "test_extract_corpus.py"
_corpus_pool: dict = {}


def pytest_collection_modifyitems(session, config, items):
    corpus = [item for item in items if item.path.name == CORPUS_TESTS]
    if not corpus:
        return
    items[:] = [item for item in items if item.path.name != CORPUS_TESTS] + corpus
    _corpus_pool["workers"] = 1 if len(items) > len(corpus) else 2


def extract_in_background(paths: list[Path]) -> dict[Path, object]:
    """Futures of `extract_file` for each path, submitted once per session."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "executor" not in _corpus_pool:
        _corpus_pool["executor"] = ProcessPoolExecutor(
            max_workers=_corpus_pool.get("workers", 2), mp_context=multiprocessing.get_context("fork")
        )
        _corpus_pool["futures"] = {}
    futures = _corpus_pool["futures"]
    for path in paths:
        if path not in futures:
            futures[path] = _corpus_pool["executor"].submit(_extract_path, path)
    return {path: futures[path] for path in paths}


def _extract_path(path: Path):
    from extract.document import extract_file

    return extract_file(path)


def pytest_runtest_setup(item):
    """Start the corpus extraction as soon as the first test of the session runs."""
    if "workers" in _corpus_pool and "executor" not in _corpus_pool:
        from test_extract_corpus import corpus_paths

        extract_in_background(corpus_paths())


# duckdb 2.0 prints "nanobind: leaked …" lines at interpreter shutdown (harmless). Leave right
# after pytest's own last words, so that its summary line stays the last line of the run.
_exit_status: list[int] = []


def pytest_sessionfinish(session, exitstatus):
    _exit_status.append(int(exitstatus))
    if "executor" in _corpus_pool:
        _corpus_pool["executor"].shutdown(wait=False, cancel_futures=True)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    if _exit_status:
        import os

        sys.stdout.flush(), sys.stderr.flush()
        os._exit(_exit_status[-1])
