"""Great Expectations suites that validate the warehouse (issue 5).

    from expectations import run_suites
    results = run_suites("warehouse/build/gent.duckdb")

or `python -m expectations --help`. Importing this package is cheap: Great Expectations
(seconds to import) is only loaded when the suites run, inside `run_suites`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

SUITES = ("completeness", "cell_consistency", "reconciliation", "conservation", "semantics")

__all__ = ["SUITES", "SuiteResult", "run_suites"]

if TYPE_CHECKING:  # pragma: no cover
    from .runner import SuiteResult, run_suites


def __getattr__(name: str) -> Any:
    if name in ("SuiteResult", "run_suites"):
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'expectations' has no attribute {name!r}")
