"""Build the warehouse from one engine's PDFs of the reports and compare its marts with the
warehouse built from the bundled samples.

    python tools/compare_marts.py tests/corpus/libreoffice-grid [tests/corpus/... ...]

Each inbox goes through the main job (`python -m orchestration.build`) into a warehouse of its
own under a temporary folder. Compared: the leaf totals (budget, actual and previous-year
actual per report and leaf code in `fct_spending`, planned and paid FTE in `fct_staffing`)
and the conformed actions (`dim_action`: which Stad and OCMW codes were paired, and how).
Prints one line per inbox and the first differences; exits 1 when any inbox differs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from orchestration.build import run_fresh

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"

QUERIES = {
    "leaf spending": """
        select fiscal_year, node_id, category, direction, sum(budget_eur), sum(actual_eur), sum(actual_prev_eur)
        from marts.fct_spending group by all order by all""",
    "leaf staffing": """
        select fiscal_year, node_id, sum(plan_fte), sum(paid_fte), sum(paid_prev_fte)
        from marts.fct_staffing group by all order by all""",
    "conformed actions": """
        select stad_code, ocmw_code, district09_code, is_paired, match_method
        from marts.dim_action order by all""",
}


def build(inbox: Path, warehouse: Path) -> None:
    done = run_fresh(inbox, warehouse, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"{inbox}: the main job failed\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def marts(warehouse: Path) -> dict[str, list[tuple]]:
    import duckdb

    with duckdb.connect(str(warehouse / "gent.duckdb"), read_only=True) as conn:
        return {name: conn.execute(sql).fetchall() for name, sql in QUERIES.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inboxes", type=Path, nargs="+")
    args = parser.parse_args(argv)
    worst = 0
    with tempfile.TemporaryDirectory(prefix="compare-marts-") as tmp:
        build(SAMPLES, Path(tmp) / "samples")
        reference = marts(Path(tmp) / "samples")
        for n, inbox in enumerate(args.inboxes):
            build(inbox, Path(tmp) / f"inbox{n}")
            found = marts(Path(tmp) / f"inbox{n}")
            parts = []
            for name, rows in reference.items():
                missing, extra = sorted(set(rows) - set(found[name])), sorted(set(found[name]) - set(rows))
                parts.append(f"{name}: {len(rows) - len(missing)}/{len(rows)} equal")
                for row in missing[:3] + extra[:3]:
                    parts.append(f"\n    {'-' if row in missing else '+'} {row}")
                worst = max(worst, 1 if missing or extra else 0)
            print(
                f"{inbox}: "
                + ", ".join(p for p in parts if not p.startswith("\n"))
                + "".join(p for p in parts if p.startswith("\n"))
            )
    return worst


if __name__ == "__main__":
    sys.exit(main())
