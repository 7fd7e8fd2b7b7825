"""A step that reads the whole warehouse, run in a child process of its own.

`make run` executes a build's steps in one process, and the memory a step takes is not given
back to the system when it ends (allocator arenas, DuckDB's and Arrow's pools, imported
libraries). At 100 reports the build's main process grew from 341 MB after dbt to 868 MB over
the quality suites, the readers' copy and the exports, though none of them alone needs more than
about 550 MB; with the warehouse it grows further. Each of those steps now runs in a child that
exits when it is done, so the main process stays the size of Dagster and the largest process of
a build is its largest step.

The call goes to the child (`python -m orchestration.child_process`) pickled on its stdin: the
function by reference (module and name), its arguments by value. The result, or the exception
the function raised, comes back pickled on its stdout; the child's stderr is the parent's. A
child exits when its parent dies (a killed build leaves no step running on), and is killed when
the parent is interrupted.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


class ChildProcessDied(RuntimeError):
    """The child ended without a result (killed, or crashed in C code)."""


def in_child_process(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`function(*args, **kwargs)` in a fresh Python process; its result, or its exception raised here."""
    call = pickle.dumps((function, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "orchestration.child_process", str(os.getpid())]
    done = subprocess.run(command, input=call, stdout=subprocess.PIPE, env=env, check=False)
    name = f"{function.__module__}.{function.__qualname__}"
    try:
        status, value = pickle.loads(done.stdout)
    except Exception:
        reason = f"killed by signal {-done.returncode}" if done.returncode < 0 else f"exit status {done.returncode}"
        raise ChildProcessDied(f"{name} in a child process ended without a result ({reason})") from None
    if status == "ok":
        return value
    raise value


def _outcome(function: Callable[..., Any], args: tuple, kwargs: dict) -> bytes:
    try:
        outcome: tuple[str, Any] = ("ok", function(*args, **kwargs))
    except BaseException as exc:  # (MemoryError and SystemExit too: the parent decides)
        outcome = ("error", exc)
    try:
        blob = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(blob)  # an exception whose arguments do not come back is sent as its text
    except Exception:
        error = outcome[1] if outcome[0] == "error" else None
        text = "".join(traceback.format_exception(error)) if error else "its result cannot be pickled"
        blob = pickle.dumps(("error", RuntimeError(text.strip())))
    return blob


def main(argv: list[str]) -> int:
    from ingest.sandbox import exit_with_parent

    result = os.fdopen(os.dup(1), "wb")  # the pickle goes here; what libraries print goes to stderr
    os.dup2(2, 1)
    exit_with_parent(int(argv[0]))
    function, args, kwargs = pickle.loads(sys.stdin.buffer.read())
    result.write(_outcome(function, args, kwargs))
    result.flush()
    return 0


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # No interpreter shutdown: its work is done, and at shutdown DuckDB's bindings (nanobind) print
    # "leaked instances" to stderr, which is the build's terminal.
    os._exit(status)
