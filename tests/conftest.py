"""Shared fixtures: each sample extracted once per run, the warehouse of the dumps built once per
worker, Chromium; and how the suite is split over parallel workers (pytest-xdist)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

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
# `make test` runs the suite on pytest-xdist workers (`-n auto --dist loadfile`, pyproject): each
# module runs on one worker, so its fixtures are built once (but the corpus, split per PDF). Work that several modules need (a
# sample PDF's extraction, the dumps warehouse) is done once per run by `computed_once` and
# shared through files.


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


def pytest_collection_modifyitems(session, config, items):
    """The longest units first, so that no worker is left with a long one at the end while the
    other waits (xdist hands out the units in this order, `--no-loadscope-reorder`)."""
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: the rest keep their order


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, but for the modules in SPLIT_PER_CASE, whose units are their cases: a
    corpus PDF is extracted and checked by whichever worker is free. (xdist's own `loadgroup`
    cannot do this under pytest 9.2: it renames the node ids through an attribute pytest no
    longer reads.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesAndCases(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module, _, test = nodeid.partition("::")
            if Path(module).stem in SPLIT_PER_CASE and test.endswith("]"):
                return module + test[test.index("[") :]  # tests/test_extract_corpus.py[chromium-grid/001]
            return module

    return ModulesAndCases(config, log)


# The longest modules first (their whole builds and PDF extractions, per --durations); the others,
# shorter, follow in collection order and fill in at the end.
LONGEST_FIRST = (
    "test_reliability_build",
    "test_end_to_end",
    "test_end_to_end_concatenation",  # starts from test_end_to_end's first build (done by then)
    "test_reliability_published",  # starts from test_reliability_build's first build (done by then)
    "test_automation",
    "test_extract_corpus",  # 27 PDFs extracted, a unit each
    "test_benchmarks_smoke",
    "test_extract_contents",
    "test_expectations",
    "test_reliability_files",
    "test_report",
    "test_reliability_hostile",
)
# Modules whose units are their cases: module -> the parameter that names a case (every test of
# one corpus PDF runs on the worker that extracted it).
SPLIT_PER_CASE = {"test_extract_corpus": "pdf"}


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
    """A warehouse built once per run from the bundled text dumps (same rows as the PDFs)."""

    db: Path  # this worker's copy of the build database dbt wrote
    published: Path  # this worker's copy of the published file
    target: Path  # dbt's target path, shared (read it only): manifest.json, catalog.json, compiled analyses
    build: Invocation  # what `dbt build` reported (models, seeds, tests, unit tests)
    docs: Invocation  # `dbt docs generate`
    compiled: Invocation  # `dbt compile --select path:analyses`


@dataclass
class Invocation:
    """A dbt invocation's outcome, in the shape of dbt's dbtRunnerResult that the tests read."""

    success: bool
    exception: str | None
    result: list[SimpleNamespace]  # .node.unique_id, .node.name, .node.resource_type, .status, .message


def _build_dumps_warehouse(work: Path) -> dict[str, Invocation]:
    import json
    import subprocess

    work.mkdir(parents=True)
    script = Path(__file__).resolve().parent / "dumps_warehouse.py"
    done = subprocess.run([sys.executable, str(script), str(work)], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, f"building the dumps warehouse failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    reported = json.loads((work / "invocations.json").read_text())
    return {
        name: Invocation(
            r["success"],
            r["exception"],
            [
                SimpleNamespace(
                    node=SimpleNamespace(unique_id=n["unique_id"], name=n["name"], resource_type=n["resource_type"]),
                    status=n["status"],
                    message=n["message"],
                )
                for n in r["nodes"]
            ],
        )
        for name, r in reported.items()
    }


@pytest.fixture(scope="session")
def dumps_warehouse(tmp_path_factory) -> DumpsWarehouse:
    """Built once per run (the first worker to ask builds, the others wait); each worker gets its
    own copy of the database files, so that no two processes open one file for writing."""
    import shutil

    shared = run_folder(tmp_path_factory) / "dumps_warehouse"
    invocations = computed_once(tmp_path_factory, "dumps-warehouse", lambda: _build_dumps_warehouse(shared))
    own = tmp_path_factory.mktemp("dumps_warehouse")
    for path in [*shared.glob("gent.duckdb*"), *shared.glob("published/gent.duckdb*")]:  # with a write-ahead log left
        copy = own / path.relative_to(shared)
        copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(path, copy)
    return DumpsWarehouse(own / "gent.duckdb", own / "published" / "gent.duckdb", shared / "target", **invocations)


# ------------------------------------------------------------------ the samples, built once per run


@dataclass
class SamplesBuild:
    """`make run` of the three sample PDFs into a fresh warehouse, once per run (a whole build, ~1.5 min)."""

    inbox: Path  # the inbox it read: test_end_to_end goes on in it (its later builds)
    warehouse: Path  # the warehouse it built: test_end_to_end's later builds write in it, in place
    pristine: Path  # a copy of the warehouse as the build left it: copy it, never write in it
    first: subprocess.CompletedProcess  # the build's exit code and output


def _build_samples(folder: Path) -> subprocess.CompletedProcess:
    import shutil

    from orchestration.build import run_fresh

    shutil.rmtree(folder, ignore_errors=True)  # what a failed attempt left
    inbox, warehouse = folder / "inbox", folder / "warehouse"
    inbox.mkdir(parents=True)
    for pdf in SAMPLES.glob("*.pdf"):
        shutil.copyfile(pdf, inbox / pdf.name)
    first = run_fresh(inbox, warehouse, timeout=900)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    shutil.copytree(warehouse, folder / "pristine", symlinks=True)
    return first


@pytest.fixture(scope="session")
def samples_build(tmp_path_factory) -> SamplesBuild:
    """The first build of test_end_to_end's session, which test_end_to_end_concatenation starts
    from too: built by the first worker to ask (the other waits). Only test_end_to_end writes in
    `warehouse` (its later builds, in the same folder as a user's); the others copy `pristine`."""
    folder = run_folder(tmp_path_factory) / "samples_build"
    first = computed_once(tmp_path_factory, "samples-build", lambda: _build_samples(folder))
    return SamplesBuild(folder / "inbox", folder / "warehouse", folder / "pristine", first)


@dataclass
class ReliabilityFirst:
    """`make run` of the inbox {000} into a fresh warehouse, once per run: test_reliability_build's
    previous good warehouse (its scenario goes on in it, in place); test_reliability_published
    copies `pristine`."""

    inbox: Path
    warehouse: Path
    pristine: Path  # a copy of the warehouse as the build left it: copy it, never write in it
    first: dict  # test_reliability_build.state() of the published file, of the build database
    first_build: dict
    first_exports: dict[str, str]  # the exports' sha256


def _build_reliability_first(folder: Path) -> tuple[dict, dict, dict]:
    import shutil

    from test_reliability_build import NAME, SAMPLE, Build, exports, state

    shutil.rmtree(folder, ignore_errors=True)  # what a failed attempt left
    inbox, warehouse = folder / "inbox1", folder / "w1"
    inbox.mkdir(parents=True)
    shutil.copyfile(SAMPLE, inbox / NAME)
    first = Build(inbox, warehouse, "first")
    assert first.wait() == 0, first.tail()
    shutil.copytree(warehouse, folder / "pristine", symlinks=True)
    return state(warehouse / "gent.duckdb"), state(warehouse / "build" / "gent.duckdb"), exports(warehouse)


@pytest.fixture(scope="session")
def reliability_first(tmp_path_factory) -> ReliabilityFirst:
    folder = run_folder(tmp_path_factory) / "reliability_first"
    found = computed_once(tmp_path_factory, "reliability-first", lambda: _build_reliability_first(folder))
    return ReliabilityFirst(folder / "inbox1", folder / "w1", folder / "pristine", *found)


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
