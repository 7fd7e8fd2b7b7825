"""`make run`'s extraction stage with one worker and with one per core: is it parallel?

    .venv/bin/python benchmarks/make_run_extraction.py [--rounds 2]

The inbox holds the three samples and a second edition of each (other bytes: a comment after
the file's end), six reports in all. Each build starts on an empty warehouse and is stopped
(its process group killed) once its last report line is printed: the figure is the wall time
from the start of `python -m orchestration.build` to that line, the start-up of its
`extract_inbox` run (one step per report in processes forked from a preloaded server)
included; dbt and the rest are not part of it. Rounds alternate 1 and N workers, so that the
load of other processes on a shared machine falls on both alike; the load average before and
after each build is printed with it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: the repository's packages
from orchestration.build import build_command, fresh_env  # noqa: E402


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def extraction_stage(inbox: Path, workers: int, reports: int) -> tuple[float, float]:
    """(seconds from the build's start to its last report line, the sum of the reports' own
    seconds as their lines print them), on a fresh warehouse. Their ratio is how many report
    steps were under way on average: the parallelism itself, whatever the other processes' load."""
    with tempfile.TemporaryDirectory(prefix="gent-bench-warehouse-") as warehouse:
        env = fresh_env()
        started = time.perf_counter()
        build = subprocess.Popen(
            build_command(inbox, Path(warehouse), "--workers", str(workers)),
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        own = 0.0
        try:
            for line in build.stdout:
                if " extracted " in line:
                    own += float(line.rsplit(": ", 1)[1].split()[0])
                if f"[{reports}/{reports}]" in line:
                    return time.perf_counter() - started, own
            raise RuntimeError(f"the build ended before extracting its {reports} reports")
        finally:
            os.killpg(build.pid, signal.SIGKILL)
            build.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gent-bench-inbox-") as folder:
        inbox = Path(folder)
        for pdf in sorted((REPO / "data" / "samples").glob("*.pdf")):
            shutil.copyfile(pdf, inbox / pdf.name)
            (inbox / f"b_{pdf.name}").write_bytes(pdf.read_bytes() + b"\n% second edition\n%%EOF\n")
        reports = len(list(inbox.glob("*.pdf")))
        walls: dict[int, list[float]] = {1: [], args.workers: []}
        for _ in range(args.rounds):
            for workers in walls:
                before = load_average()
                wall, own = extraction_stage(inbox, workers, reports)
                walls[workers].append(wall)
                print(
                    f"{reports} reports, {workers} worker(s): {wall:.1f} s, {own / wall:.2f} steps under way on average "
                    f"(load average {before} -> {load_average()})",
                    flush=True,
                )
    for one, many in zip(walls[1], walls[args.workers]):
        print(f"speed-up {one / many:.2f}x ({one:.1f} s / {many:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
