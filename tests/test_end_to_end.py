"""The whole pipeline, as `make run` runs it, into a temporary warehouse, twice.

Runs `python -m orchestration.build` (Dagster's `materialize` in-process) in a subprocess so
that its paths come from the environment like on a user's machine and nothing touches the
repository's own warehouse.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
MARTS = ("dim_document", "dim_action", "dim_action_plan", "fct_spending", "fct_spending_reported", "fct_staffing", "rpt_reconciliation")


def build(warehouse: Path, *options: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENT_") and k != "DAGSTER_HOME"}
    return subprocess.run(
        [sys.executable, "-m", "orchestration.build", "--inbox", str(SAMPLES), "--warehouse", str(warehouse), *options],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
    )


def snapshot(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as conn:
        counts = {m: conn.execute(f"select count(*) from marts.{m}").fetchone()[0] for m in MARTS}
        totals = conn.execute(
            "select sum(budget_eur), sum(actual_eur), sum(actual_prev_eur) from marts.fct_spending"
        ).fetchone()
        raw = conn.execute("select count(*) from raw.budget_lines").fetchone()[0]
    return {"counts": counts, "totals": totals, "raw_budget_lines": raw}


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("warehouse")
    first = build(warehouse)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    published = warehouse / "gent.duckdb"
    before = snapshot(published)
    second = build(warehouse, "--force")  # a real rebuild on the same input
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    after = snapshot(published)
    third = build(warehouse)  # nothing changed: nothing to do
    return first, second, third, before, after, published


def test_build_publishes_populated_marts_and_passes_blocking_checks(two_builds):
    first, _, _, before, _, published = two_builds
    assert published.exists()
    assert all(n > 0 for n in before["counts"].values()), before["counts"]
    assert "Warehouse published" in first.stdout
    assert "FAILED" not in first.stdout
    pdfs = sorted(p.name for p in SAMPLES.glob("*.pdf"))
    for name in pdfs:
        assert name in first.stdout  # the summary names every report


def test_second_build_changes_nothing(two_builds):
    _, second, _, before, after, _ = two_builds
    assert "Warehouse published" in second.stdout
    assert after == before


def test_unchanged_input_is_not_built_again(two_builds):
    _, _, third, _, _, published = two_builds
    assert third.returncode == 0
    assert "nothing changed since the last published build" in third.stdout
    with duckdb.connect(str(published), read_only=True) as conn:  # the history shows one load per report
        loads = conn.execute("select file_name, count(*) from raw.load_history group by 1").fetchall()
    assert sorted(n for _, n in loads) == [1, 1, 1]


def test_quality_suites_ran_as_checks_and_blocking_ones_passed(two_builds):
    first = two_builds[0]
    for suite in ("completeness", "cell_consistency", "conservation", "semantics"):
        assert f"passed gx_{suite}: OK" in first.stdout
    assert "gx_reconciliation: WARN" in first.stdout  # the report's own gaps, reported not hidden
