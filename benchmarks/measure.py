"""What benchmarks/run.py measures with: the extraction methods, worker tasks, a memory
sampler for process trees, a timed build in a subprocess and the Dagster step timings."""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.build import build_command, fresh_env

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------- extraction methods (one PDF in memory)


def ours(path: Path, data: bytes, engine_name: str = "pdfplumber"):
    """Our extractor, PDF bytes to rows (extract.document.extract_bytes): the whole thing."""
    from extract.document import extract_bytes

    return extract_bytes(path, data, engine_name)


def bare_extract_words(path: Path, data: bytes) -> int:
    """The floor of any pdfplumber-based parser: page.extract_words() over every page."""
    import pdfplumber

    words = 0
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            words += len(page.extract_words())
            page.close()
    return words


def pdfium_text(path: Path, data: bytes) -> int:
    """A lower bound of reading the text at all: PDFium's plain text of every page."""
    import pypdfium2 as pdfium

    chars = 0
    pdf = pdfium.PdfDocument(data)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            chars += len(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return chars


def page_count(data: bytes) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


@dataclass
class Timing:
    wall: float
    cpu: float


def timed(function, *args) -> tuple[Timing, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return Timing(time.perf_counter() - wall, time.process_time() - cpu), result


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


PHASES = {
    "layout": "pdfminer parses the page (page.layout)",
    "chars": "layout objects -> character dicts (pdf_lines.layout_chars)",
    "words": "characters -> words (pdfplumber WordExtractor, pdf_lines.page_words)",
    "lines": "words -> physical lines (pdf_lines._group_lines)",
    "assemble": "running headers/footers, rules, paragraphs (pdf_lines.assemble_lines)",
    "parse": "grammar, tables, self-checks (document.extract_source)",
}


def extraction_phases(path: Path, data: bytes) -> dict[str, float]:
    """CPU seconds of each phase of our default engine on one PDF, run one after the other.

    The same calls as extract.document.extract_bytes -> pdf_lines, split at their seams, plus
    "bare_rest": `page.extract_words()` on the already parsed page (pdfplumber's full
    character dicts, then words), i.e. bare extract_words = "layout" + "bare_rest".
    """
    import hashlib

    import pdfplumber

    from extract import pdf_lines as PL
    from extract.document import Source, extract_source

    seconds = dict.fromkeys([*PHASES, "bare_rest"], 0.0)
    pages = []

    def timed_phase(name: str, function, *args):
        cpu = time.process_time()
        result = function(*args)
        seconds[name] += time.process_time() - cpu
        return result

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            timed_phase("layout", lambda page=page: page.layout)
            chars = timed_phase("chars", PL.layout_chars, page)
            words = timed_phase("words", PL.page_words, chars)
            pages.append(timed_phase("lines", PL._group_lines, words, number, float(page.height)))
            timed_phase("bare_rest", page.extract_words)
            page.close()
    lines, page_count, furniture = timed_phase("assemble", PL.assemble_lines, path, pages)
    timed_phase(
        "parse", extract_source, Source(lines, page_count, "pdf", furniture), path, hashlib.sha256(data).hexdigest()
    )
    return seconds


# ---------------------------------------------------------------- how busy the machine is (other users)


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot (/proc/stat; busy excludes idle and iowait)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields[:8]) - idle, sum(fields[:8])


class Busy:
    """Average number of busy cores while the block runs (ours and everybody else's)."""

    def __enter__(self) -> Busy:
        self._start = cpu_jiffies()
        return self

    def __exit__(self, *exc) -> None:
        busy, total = cpu_jiffies()
        d_busy, d_total = busy - self._start[0], total - self._start[1]
        self.cores = (os.cpu_count() or 1) * d_busy / d_total if d_total else 0.0


def wait_until_quiet(max_seconds: float, threshold: float = 0.25, window: float = 2.0) -> float:
    """Wait (up to max_seconds) until other processes use less than `threshold` cores for `window` s.

    Returns the seconds waited. The benchmark's own processes are idle while it waits.
    """
    started = time.monotonic()
    while time.monotonic() - started < max_seconds:
        with Busy() as busy:
            time.sleep(window)
        if busy.cores < threshold:
            break
    return time.monotonic() - started


# ---------------------------------------------------------------- worker tasks (process pools, spawn)


def warm_up(seconds: float) -> int:
    """Import what an extraction needs, then hold the worker a moment (so each worker gets one)."""
    import pdfplumber  # noqa: F401
    import pypdfium2  # noqa: F401

    import extract.document
    import extract.parser
    import extract.pdf_lines  # noqa: F401

    time.sleep(seconds)
    return os.getpid()


def extract_task(path: str, engine_name: str = "pdfplumber") -> dict:
    """One report through extract.document.extract_file in a worker: its pages, time and memory."""
    from extract.document import extract_file

    wall, cpu = time.perf_counter(), time.process_time()
    extraction = extract_file(path, engine_name)
    return {
        "file": Path(path).name,
        "pages": extraction.document.page_count or 0,
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "rows": sum(len(rows) for rows in extraction.tables.values()),
        "peak_rss_mb": peak_rss_mb(),
        "pid": os.getpid(),
    }


def extract_pool(paths: list[Path], workers: int, engine_name: str = "pdfplumber") -> dict:
    """Extract the reports over a fresh process pool; wall time from the first task to the last.

    Workers are spawned and warmed up (imports) before the clock starts. The pool's peak
    memory (sum over its processes, and the largest one) is sampled from /proc.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pids = set(pool.map(warm_up, [0.3] * workers))
        with TreeSampler(os.getpid(), exclude_root=True) as sampler, Busy() as busy:
            wall = time.perf_counter()
            tasks = list(pool.map(extract_task, [str(p) for p in paths], [engine_name] * len(paths)))
            wall = time.perf_counter() - wall
    pages = sum(t["pages"] for t in tasks)
    return {
        "reports": len(paths),
        "workers": workers,
        "workers_used": len({t["pid"] for t in tasks}),
        "warm_pids": len(pids),
        "pages": pages,
        "wall": wall,
        "task_wall": sum(t["wall"] for t in tasks),
        "cpu": sum(t["cpu"] for t in tasks),
        "rows": sum(t["rows"] for t in tasks),
        "peak_worker_rss_mb": max(t["peak_rss_mb"] for t in tasks),
        "peak_tree_rss_mb": sampler.peak_total_mb,
        # cores busy on the machine during the run, and how many of them were not ours (other users' processes)
        "busy_cores": busy.cores,
        "other_cores": max(0.0, busy.cores - sum(t["cpu"] for t in tasks) / wall),
    }


# ---------------------------------------------------------------- memory of a process tree


class TreeSampler:
    """Samples the resident memory of a process and all its descendants (Linux /proc)."""

    def __init__(self, root: int, interval: float = 0.2, exclude_root: bool = False):
        self.root, self.interval, self.exclude_root = root, interval, exclude_root
        self.peak_total_mb = 0.0
        self.peak_single_mb = 0.0
        self.peak_single_name = ""  # process_label() of the largest process
        self.peak_single_at = 0.0  # epoch seconds when it was largest
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        tree, todo = [], [self.root]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, []))
        total = 0.0
        for pid in tree:
            if self.exclude_root and pid == self.root:
                continue
            try:
                with open(f"/proc/{pid}/statm") as f:
                    rss = int(f.read().split()[1]) * PAGE_SIZE / 2**20
                if rss > self.peak_single_mb:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        name = process_label(f.read().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:
                continue
            total += rss
            if rss > self.peak_single_mb:
                self.peak_single_mb, self.peak_single_name, self.peak_single_at = rss, name, time.time()
        self.peak_total_mb = max(self.peak_total_mb, total)


def process_label(cmdline: str) -> str:
    """What a process of a build is, from its command line (every one of them is `python`)."""
    for marker, label in (
        ("orchestration.build", "the build's main process"),
        ("ingest.sandbox", "a guarded extraction child"),
        ("orchestration.child_process", "a step's child process (suites, readers' copy, exports or report)"),
        ("dbt build", "dbt build"),
        ("multiprocessing", "an extraction worker"),
    ):
        if marker in cmdline:
            return label
    return cmdline[:80]


# ---------------------------------------------------------------- a build in a subprocess


@dataclass
class BuildRun:
    wall: float
    cpu: float  # user + system of the build and every process it waited for (workers, dbt)
    returncode: int
    stdout: str
    peak_tree_rss_mb: float  # sampled sum over the process tree
    peak_process_rss_mb: float  # the largest single process (ru_maxrss of the waited tree)
    started_at: float  # epoch seconds
    other_cores: float = 0.0  # cores used by other users' processes meanwhile (average)
    largest_process: str = ""  # which process was largest (sampled), process_label()
    largest_at: float = 0.0  # when (epoch seconds)
    largest_sampled_mb: float = 0.0  # its sampled peak (peak_process_rss_mb may be higher: ru_maxrss)
    stages: dict = field(default_factory=dict)


def run_build(
    code_root: Path,
    inbox: Path,
    warehouse: Path,
    force: bool,
    log: Path,
    engine_name: str = "pdfplumber",
    workers: int | None = None,
) -> BuildRun:
    """`python -m orchestration.build` as `make run` runs it, in a clean environment."""
    env = fresh_env()
    if engine_name != "pdfplumber":
        env["GENT_PDF_ENGINE"] = engine_name
    command = build_command(
        inbox, warehouse, *(["--force"] if force else []), *(["--workers", str(workers)] if workers else [])
    )
    started_at = time.time()
    with open(log, "w") as out:
        wall = time.perf_counter()
        process = subprocess.Popen(command, cwd=code_root, env=env, stdout=out, stderr=subprocess.STDOUT)
        with TreeSampler(process.pid) as sampler, Busy() as busy:
            _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - wall
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return BuildRun(
        wall,
        cpu,
        process.returncode,
        log.read_text(errors="replace"),
        sampler.peak_total_mb,
        max(usage.ru_maxrss / 1024, sampler.peak_single_mb),
        started_at,
        max(0.0, busy.cores - cpu / wall),
        sampler.peak_single_name,
        sampler.peak_single_at,
        sampler.peak_single_mb,
    )


# ---------------------------------------------------------------- step timings from the Dagster instance

MAIN_STEPS = {
    "warehouse_dbt_models": "dbt build",
    "quality_suites": "checks (quality suites)",
    "published_warehouse": "publish",
    "open_data_export": "serve (exports, report)",
    "overview_report": "serve (exports, report)",
    "published_release": "publish",
}


RAW_JOBS = ("extract_inbox", "extract_reports")  # make run's run (a step per report), the sensor's (one partition)


def dagster_stages(home: Path, since: float) -> dict:
    """Wall times of the build's stages from its Dagster runs (started at or after `since`).

    The raw runs (make run's one `extract_inbox` run, or the sensor's one per partition) are the
    extraction + load phase: from the first raw run's start to the last one's end.
    """
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    from orchestration.defs.automation.jobs import report_steps

    raw_documents = dg.AssetKey(["raw", "documents"])
    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
    try:
        raw_runs, main_runs = [], []
        for run in instance.get_runs():
            stats = instance.get_run_stats(run.run_id)
            if not stats.start_time or stats.start_time < since - 1:
                continue
            entry = {
                "run": run,
                "start": stats.start_time,
                "end": stats.end_time or stats.start_time,
                "windows": [
                    (s.step_key, s.start_time, s.end_time or s.start_time)  # (step, start, end)
                    for s in instance.get_run_step_stats(run.run_id)
                    if s.start_time
                ],
            }
            (raw_runs if run.job_name in RAW_JOBS else main_runs).append(entry)
        out: dict = {
            "raw_runs": len(raw_runs),
            "extracted": [],
            "skipped": [],
            "failed": [],
            "timeline": {},
            "windows": [],
        }
        if raw_runs:
            out["timeline"]["raw_start"] = min(r["start"] for r in raw_runs)
            out["timeline"]["raw_end"] = max(r["end"] for r in raw_runs)
            out["extract+load (raw runs, wall)"] = max(r["end"] for r in raw_runs) - min(r["start"] for r in raw_runs)
            out["extract+load (sum of raw steps)"] = sum(
                end - start for r in raw_runs for _, start, end in r["windows"]
            )
            for r in raw_runs:  # per report: its raw/documents materialisation, or its step's failure
                run = r["run"]
                for event in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
                    materialization = event.dagster_event.event_specific_data.materialization
                    if materialization.asset_key == raw_documents:
                        skipped = "skipped" in materialization.metadata
                        out["skipped" if skipped else "extracted"].append(materialization.partition)
                steps = (
                    report_steps(run.run_config["ops"]["inbox_reports"]["config"]["file_names"])
                    if run.job_name == "extract_inbox"
                    else {}
                )
                for event in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
                    out["failed"].append(steps.get(event.step_key) or run.tags.get("dagster/partition"))
        if main_runs:
            out["timeline"]["main_start"] = min(r["start"] for r in main_runs)
            out["timeline"]["main_end"] = max(r["end"] for r in main_runs)
        for r in main_runs:
            out["main run (wall)"] = out.get("main run (wall)", 0.0) + r["end"] - r["start"]
            for step, start, end in r["windows"]:
                stage = MAIN_STEPS.get(step, f"other step {step}")
                out["windows"].append((stage, start, end))
                out[stage] = out.get(stage, 0.0) + end - start
        return out
    finally:
        instance.dispose()


def stage_at(stages: dict, moment: float) -> str:
    """The stage of a build (dagster_stages) running at `moment` (epoch seconds)."""
    timeline = stages.get("timeline", {})
    for stage, start, end in stages.get("windows", []):
        if start <= moment <= end:
            return stage
    if timeline.get("raw_start", moment + 1) <= moment <= timeline.get("raw_end", moment - 1):
        return "extract + load"
    if moment < timeline.get("raw_start", timeline.get("main_start", moment)):
        return "startup"
    if moment > timeline.get("main_end", moment):
        return "end"
    return "between stages"


def load_history(database: Path) -> list[tuple]:
    """raw.load_history of a warehouse: (file_name, action, count)."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as conn:
        return conn.execute(
            "select file_name, action, count(*) from raw.load_history group by all order by all"
        ).fetchall()


def to_json(data) -> str:
    return json.dumps(data, indent=2, default=lambda o: o.__dict__ if hasattr(o, "__dict__") else str(o))
