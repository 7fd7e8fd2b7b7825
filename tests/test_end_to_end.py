"""The whole pipeline, as `make run` runs it, into a temporary warehouse: a user's session.

Build the samples; move one report out of the inbox and build; put it back (same bytes) and
build; build again with nothing changed. Runs `python -m orchestration.build` in a subprocess
so that its paths come from the environment like on a user's machine and nothing touches the
repository's own warehouse. The first build is conftest's `samples_build` (once per run: the
fresh build of test_end_to_end_concatenation starts from a copy of it); this module goes on
in its inbox and warehouse.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.build import run_fresh

pytestmark = pytest.mark.slow  # four whole builds (`pytest -m "not slow"` leaves them out; CI runs them)

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
MARTS = (
    "dim_document",
    "dim_action",
    "dim_action_plan",
    "fct_spending",
    "fct_spending_reported",
    "fct_staffing",
    "rpt_reconciliation",
)


def build(warehouse: Path, *options: str, inbox: Path = SAMPLES) -> subprocess.CompletedProcess:
    return run_fresh(inbox, warehouse, *options, timeout=900)


def snapshot(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as conn:
        counts = {m: conn.execute(f"select count(*) from marts.{m}").fetchone()[0] for m in MARTS}
        totals = conn.execute(
            "select sum(budget_eur), sum(actual_eur), sum(actual_prev_eur) from marts.fct_spending"
        ).fetchone()
        raw = conn.execute("select count(*) from raw.budget_lines").fetchone()[0]
        documents = [r[0] for r in conn.execute("select file_name from raw.documents order by 1").fetchall()]
    return {"counts": counts, "totals": totals, "raw_budget_lines": raw, "documents": documents}


@pytest.fixture(scope="module")
def two_builds(samples_build, tmp_path_factory):
    # the first build: conftest's, once per run (test_end_to_end_concatenation starts from a copy
    # of it); this module alone goes on in its inbox and warehouse, as a user does
    warehouse, inbox, first = samples_build.warehouse, samples_build.inbox, samples_build.first
    aside = tmp_path_factory.mktemp("aside")
    published = warehouse / "gent.duckdb"
    before = snapshot(published)
    moved = sorted(inbox.glob("000_*.pdf"))[0]
    moved.rename(aside / moved.name)  # a report moved out of the inbox ...
    removed = build(warehouse, inbox=inbox)
    assert removed.returncode == 0, removed.stdout[-3000:] + removed.stderr[-3000:]
    without = snapshot(published)
    (aside / moved.name).rename(moved)  # ... and back, the same bytes
    second = build(warehouse, inbox=inbox)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    after = snapshot(published)
    third = build(warehouse, inbox=inbox)  # nothing changed: nothing to do
    return first, second, third, before, after, published, (removed, without, moved.name)


def test_build_publishes_populated_marts_and_passes_blocking_checks(two_builds):
    first, _, _, before, _, published, _ = two_builds
    assert published.exists()
    assert all(n > 0 for n in before["counts"].values()), before["counts"]
    assert "Warehouse published" in first.stdout
    assert "FAILED" not in first.stdout
    pdfs = sorted(p.name for p in SAMPLES.glob("*.pdf"))
    for name in pdfs:
        assert name in first.stdout  # the summary names every report


def test_the_terminal_shows_a_page_a_person_reads(two_builds):
    """At most 40 lines: a progress line per report, dbt's one-line summary, the checks, where things are."""
    first = two_builds[0]
    lines = (first.stdout + first.stderr).splitlines()
    assert len(lines) <= 40, "\n".join(lines)
    assert sum(" extracted " in line for line in lines) == 3
    assert any(line.startswith("dbt build: ") and "passed" in line for line in lines)
    assert not [line for line in lines if "Warning" in line or "Traceback" in line]


def test_a_removed_report_leaves_the_published_warehouse(two_builds):
    _, _, _, before, _, _, (removed, without, name) = two_builds
    assert f"removed from the warehouse (no longer in the inbox): {name}" in removed.stdout
    assert without["documents"] == [d for d in before["documents"] if d != name]
    assert without["raw_budget_lines"] < before["raw_budget_lines"]


def test_a_restored_report_is_loaded_again(two_builds):
    """Moved out and back with the same bytes: extracted again, the same warehouse as the first build."""
    _, second, _, before, after, published, (_, _, name) = two_builds
    assert "Warehouse published" in second.stdout and "nothing changed" not in second.stdout
    assert after == before and name in after["documents"]
    with duckdb.connect(str(published), read_only=True) as conn:
        actions = [
            r[0]
            for r in conn.execute(
                "select action from raw.load_history where file_name = ? order by recorded_at", [name]
            ).fetchall()
        ]
    assert actions == ["loaded", "dropped", "loaded"]


def test_unchanged_input_is_not_built_again(two_builds):
    _, _, third, _, _, published, _ = two_builds
    assert third.returncode == 0
    assert "nothing changed since the last published build" in third.stdout
    with duckdb.connect(str(published), read_only=True) as conn:  # one load per report, and the restored one's
        loads = conn.execute(
            "select file_name, count(*) from raw.load_history where action = 'loaded' group by 1"
        ).fetchall()
    assert sorted(n for _, n in loads) == [1, 1, 2]


def test_quality_suites_ran_as_checks_and_blocking_ones_passed(two_builds):
    first = two_builds[0]
    for suite in ("completeness", "cell_consistency", "conservation", "semantics"):
        assert f"  gx_{suite}: OK — " in first.stdout
    # the reports' own gaps: reported, not hidden, in the same words as the UI, the Data Docs and the report
    assert (
        "  gx_reconciliation: WARN — 54 gaps in the reports' own arithmetic, 6 cells not printed (non-blocking"
        in first.stdout
    )
    assert ", 1 warning(s)" in first.stdout and "FAILED" not in first.stdout


def test_runs_carry_the_job_names_of_the_ui(two_builds):
    """make run launches the named jobs (no __ephemeral_asset_job__) on the instance `make ui` shows."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    published = two_builds[5]
    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(published.parent / "dagster_home")))
    try:
        runs = instance.get_runs()
        jobs = sorted({r.job_name for r in runs})
        # one extract_inbox run per build that extracted something: its reports are its config
        extracted = sorted(
            name
            for r in runs
            if r.job_name == "extract_inbox"
            for name in r.run_config["ops"]["inbox_reports"]["config"]["file_names"]
        )
        documents = dg.AssetKey(["raw", "documents"])
        materialized = sorted(instance.get_materialized_partitions(documents))  # the raw asset's partitions in the UI
    finally:
        instance.dispose()
    assert jobs == ["build_warehouse", "extract_inbox", "prune_removed_reports"]
    samples = sorted(p.name for p in SAMPLES.glob("*.pdf"))
    assert extracted == sorted([*samples, two_builds[6][2]])  # 3, then the restored one
    assert materialized == samples
