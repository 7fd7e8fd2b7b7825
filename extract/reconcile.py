"""Parents against the sum of their children (REPORT_FORMAT §3), on one extraction.

A plan's printed value should equal the sum of every leaf printed under it, a goal's (2024)
the sum of its plans. Each level is rounded on its own, so n children may differ from the
parent by up to ½ unit × (n+1): within that it is `rounding`, beyond it a `gap` the report
itself contains. Gaps are reported, never fixed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

BUDGET_METRICS = ("budget", "actual", "actual_prev")
STAFFING_METRICS = ("plan_fte", "paid_fte", "paid_prev_fte")


@dataclass(frozen=True)
class Reconciliation:
    parent: str
    metric: str  # e.g. "exploitatie/uitgaven/actual" or "vte/paid_fte"
    printed: Decimal | int | None
    children_sum: Decimal | int
    children: int
    tolerance: Decimal
    status: str  # exact, rounding, gap, not_printed

    @property
    def difference(self):
        return None if self.printed is None else self.printed - self.children_sum


def children_of(nodes: list, layout: str) -> dict[str, list[str]]:
    """Parent node -> the children whose sum it prints (2021 goals print no total of their plans)."""
    children = defaultdict(list)
    for node in nodes:
        if node.parent_node_id and (node.level != "action_plan" or layout != "district09"):
            children[node.parent_node_id].append(node.node_id)
    return children


def reconcile(tables: dict[str, list], layout: str) -> list[Reconciliation]:
    children = children_of(tables["nodes"], layout)
    cells: dict[str, dict[str, Decimal | int | None]] = defaultdict(dict)
    for row in tables["budget_lines"]:
        for metric in BUDGET_METRICS:
            cells[row.node_id][f"{row.category}/{row.direction}/{metric}"] = getattr(row, metric)
    for row in tables["staffing_lines"]:
        for metric in STAFFING_METRICS:
            cells[row.node_id][f"vte/{metric}"] = getattr(row, metric)
    out = []
    for parent, kids in children.items():
        for metric, printed in cells.get(parent, {}).items():
            half = Decimal("0.005") if metric.startswith("vte/") else Decimal("0.5")
            values = [cells.get(k, {}).get(metric) for k in kids]
            total: Decimal | int = sum((v for v in values if v is not None), start=0)
            tolerance = half * (len(kids) + 1)
            if printed is None or None in values:
                status = "not_printed"
            elif printed == total:
                status = "exact"
            else:
                status = "rounding" if abs(Decimal(printed) - Decimal(total)) <= tolerance else "gap"
            out.append(Reconciliation(parent, metric, printed, total, len(kids), tolerance, status))
    return out


def summary(rows: list[Reconciliation]) -> dict[str, int]:
    return dict(sorted(Counter(r.status for r in rows).items()))
