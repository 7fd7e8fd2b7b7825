"""Bound the extraction of one report: a child process with a memory cap and a wall-clock limit.

A hostile or broken PDF (huge pages, deep nesting, thousands of pages, a decompression
bomb) must fail that one report with a clear reason, not take the build down with it. The
extraction runs in a fresh Python process (`python -m ingest.sandbox`) that imports the
extractor, then caps its own address space with `resource.setrlimit(RLIMIT_AS, …)` before it
reads the file; the parent hands it the file's bytes as its stdin (a temporary file), waits at
most the time limit (killing it then) and reads back the pickled `Extraction`, so the rows are
exactly those of `extract_bytes` in-process. The child exits by itself when its parent dies.
While it waits, the parent polls the child's address space with psutil and keeps the largest
figure seen, to tell a crash under the memory cap from another crash.

Limits per document are arguments (the settings' `GENT_DOC_TIMEOUT_S`, default 120 s, and
`GENT_DOC_MEMORY_MB`, default 2048 MB, validated at start). Whatever goes wrong in the child becomes an `ExtractionError` naming the
file and the reason: "exceeded time limit 120 s", "exceeded memory limit 2048 MB", the
extractor's own reason, or the crash it died of.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from extract.errors import ExtractionError

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MEMORY_MB = 2048
REPO = Path(__file__).resolve().parents[1]
POLL_S = 0.2  # how often the parent looks at the child
NEAR_LIMIT = 0.8  # a crash after the child came this close to its cap is put down to the cap


def extract_guarded(
    path: Path | str,
    data: bytes,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    engine: str = "pdfplumber",
):
    """`extract_bytes(path, data, engine)` in a child process bounded in time and memory.

    Returns the Extraction or raises ExtractionError(path, reason).
    """
    path = Path(path)
    command = [
        sys.executable,
        "-m",
        "ingest.sandbox",
        "--memory-mb",
        str(memory_mb),
        "--engine",
        engine,
        "--parent",
        str(os.getpid()),
        str(path),
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "OPENBLAS_NUM_THREADS": "1",
    }  # numpy (imported by pdfplumber) would reserve memory per core
    with tempfile.TemporaryFile() as source:  # the child's stdin: the very bytes the caller read and hashed
        source.write(data)
        source.seek(0)
        child = subprocess.Popen(command, stdin=source, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + timeout_s
    watched = psutil.Process(child.pid)
    peak_mb = 0
    try:
        while True:  # drain the child's output in short steps, noting its peak address space on the way
            try:
                out, err = child.communicate(timeout=max(0.01, min(POLL_S, deadline - time.monotonic())))
                break
            except subprocess.TimeoutExpired:
                peak_mb = max(peak_mb, _address_space_mb(watched) or 0)
                if time.monotonic() >= deadline:
                    raise ExtractionError(path, f"exceeded time limit {timeout_s:g} s") from None
    finally:  # timed out, or the caller is interrupted: leave no child behind
        if child.poll() is None:
            child.kill()
            child.communicate()
    try:
        status, payload = pickle.loads(out) if out else (None, None)
    except Exception:
        status, payload = None, None
    if status == "ok":
        return payload
    if status == "error":
        raise ExtractionError(path, payload)
    if status == "memory" or b"MemoryError" in err:
        raise ExtractionError(path, f"exceeded memory limit {memory_mb} MB")
    if child.returncode < 0 and peak_mb >= NEAR_LIMIT * memory_mb:
        # Python or a C library that cannot allocate under the cap may crash instead of raising.
        raise ExtractionError(
            path,
            f"exceeded memory limit {memory_mb} MB (the extraction crashed at {peak_mb} MB: {_exit_reason(child.returncode)})",
        )
    raise ExtractionError(path, f"extraction process died ({_exit_reason(child.returncode)}){_last_line(err)}")


def _address_space_mb(process: psutil.Process) -> int | None:
    """Address space (virtual memory size, the figure the cap is on) of a running process, in MB;
    None once it is gone. psutil keeps no peak: the parent polls it and keeps the largest."""
    try:
        return process.memory_info().vms // 2**20
    except psutil.Error:
        return None


def _exit_reason(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _last_line(err: bytes) -> str:
    lines = [l for l in err.decode("utf-8", "replace").splitlines() if l.strip()]
    return f": {lines[-1].strip()[:300]}" if lines else ""


# ---------------------------------------------------------------- the child


def exit_with_parent(parent: int) -> None:
    """Exit when the parent is gone (killed): an orphaned extraction or build step is of no use to anyone."""
    import threading

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def _child(argv: list[str]) -> int:
    import argparse
    import resource

    parser = argparse.ArgumentParser(prog="python -m ingest.sandbox")
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--parent", type=int)
    parser.add_argument("--engine", default="pdfplumber")
    parser.add_argument("path")
    args = parser.parse_args(argv)
    result = os.fdopen(os.dup(1), "wb")  # the pickle goes here; stray prints of libraries go to stderr
    os.dup2(2, 1)
    if args.parent:
        exit_with_parent(args.parent)
    # The code is imported before the cap: its footprint is the same for every file (about
    # 300 MB of address space, most of it reserved by shared libraries); the cap is on the total.
    import pdfplumber  # noqa: F401

    from extract import pdf_lines  # noqa: F401
    from extract.document import extract_bytes

    if args.engine == "pdfium":  # the optional engine, if chosen: imported before the cap too
        import importlib

        importlib.import_module("extract.pdfium_lines")

    footprint = _address_space_mb(psutil.Process())
    if footprint is not None and footprint >= args.memory_mb:
        outcome = (
            "error",
            f"memory limit {args.memory_mb} MB is below the extractor's own footprint ({footprint} MB): raise GENT_DOC_MEMORY_MB",
        )
    else:
        limit = args.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        outcome = _extract(extract_bytes, Path(args.path), sys.stdin.buffer, args.engine)
    try:
        blob = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        blob = pickle.dumps(("memory", None))
    result.write(blob)
    result.flush()
    return 0


def _extract(extract_bytes, path: Path, source, engine: str) -> tuple[str, object]:
    try:
        return "ok", extract_bytes(path, source.read(), engine)
    except ExtractionError as exc:
        return ("memory", None) if _out_of_memory(exc) else ("error", exc.reason)
    except MemoryError:
        return "memory", None
    except RecursionError:
        return "error", "unreadable PDF (objects nested too deeply)"
    except Exception as exc:  # a bug of the extractor on this file: fail this file, say what happened
        if _out_of_memory(exc):
            return "memory", None
        return "error", f"extractor failed ({type(exc).__name__}: {str(exc)[:300]})"


OUT_OF_MEMORY = ("unable to allocate", "cannot allocate memory", "failed to map segment", "out of memory", "bad_alloc")


def _out_of_memory(exc: BaseException | None, depth: int = 0) -> bool:
    """Was this error caused by the memory cap? The readers wrap the errors of the PDF library
    (`raise ExtractionError(...) from None` keeps the original as __context__), and zlib, a
    lazy import or a C library report an allocation that failed in their own words."""
    if exc is None or depth > 8:
        return False
    if isinstance(exc, MemoryError) or getattr(exc, "errno", None) == 12:  # ENOMEM
        return True
    if isinstance(exc, ExtractionError):
        text = ""  # its reason quotes the original error, which is looked at itself below
    else:
        text = str(exc).lower()
    if any(words in text for words in OUT_OF_MEMORY):
        return True
    inner = [a for a in getattr(exc, "args", ()) if isinstance(a, BaseException)]
    return any(_out_of_memory(e, depth + 1) for e in [exc.__cause__, exc.__context__, *inner] if e is not None)


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
