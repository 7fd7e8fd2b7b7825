"""The content of an extraction without its lineage, to compare two sources of one report.

`content_rows` gives the rows to compare for equality; `compare` measures how far a
candidate (a PDF) is from a reference (the report's text dump), field by field, and whether
each difference is flagged by an anomaly of the candidate: silent damage is the defect.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher

from .document import Extraction
from .grammar import collapse

LINEAGE = {"document_id", "page", "line", "raw_text", "table_no", "paragraph_pages", "paragraph_lines"}
COMPARED = ("nodes", "budget_lines", "staffing_lines", "texts")
NODE_FIELDS = (
    "code",
    "level",
    "parent_node_id",
    "title",
    "service",
    "entity",
    "status",
    "phase",
    "period_start",
    "period_end",
    "owner",
    "header_lost",
    "position",
)
CELL_FIELDS = {
    "budget_lines": ("budget_raw", "actual_raw", "execution_pct_raw", "actual_prev_raw", "change_pct_raw"),
    "staffing_lines": ("plan_raw", "paid_raw", "paid_pct_raw", "paid_prev_raw", "change_pct_raw"),
}


def content_rows(extraction: Extraction) -> dict[str, list[dict]]:
    """Rows of the compared tables, lineage columns dropped; text whitespace-normalised.

    Paragraph breaks may legitimately differ between a dump and a PDF (a page break ends a
    line with a full stop), so texts compare as word sequences.
    """
    out = {}
    for table in COMPARED:
        rows = []
        for row in extraction.tables[table]:
            record = {k: v for k, v in asdict(row).items() if k not in LINEAGE}
            if table == "texts":
                record["text"] = collapse(record["text"])
                record.pop("seq")
            rows.append(record)
        out[table] = rows
    return out


# "beleidsgebouwen- investeringsenveloppe" printed with a space after the hyphen, or "co-" at
# the end of a dump line (read with a space, as a renderer of the dump flows it): where a PDF
# breaks the line right there, nothing on the page tells whether a space followed the hyphen.
_SPACE_AFTER_HYPHEN = re.compile(r"(?<=\w)- (?=\w)(?!(?:en|of)\b)")


def without_space_after_hyphens(rows: list[dict]) -> list[dict]:
    """Rows with "word- word" read as "word-word" (not before "en"/"of": "sport- en cultuur")."""
    return [{k: _SPACE_AFTER_HYPHEN.sub("-", v) if isinstance(v, str) else v for k, v in r.items()} for r in rows]


@dataclass
class Difference:
    table: str
    key: str  # node id (and row label for table rows)
    field: str
    reference: object
    candidate: object
    flagged: bool  # an anomaly of the candidate points at this node


@dataclass
class Comparison:
    """Shares of the reference found equal in the candidate, and the differences."""

    counts: dict[str, list[int]] = field(default_factory=dict)  # measure -> [equal, of]
    text_words: list[int] = field(default_factory=lambda: [0, 0])  # [matched words, max(words) summed per node]
    differences: list[Difference] = field(default_factory=list)

    def share(self, measure: str) -> float:
        equal, total = self.counts.get(measure, [0, 0])
        return equal / total if total else 1.0

    @property
    def text_ratio(self) -> float:
        matched, total = self.text_words
        return matched / total if total else 1.0

    @property
    def silent(self) -> list[Difference]:
        return [d for d in self.differences if not d.flagged]

    def summary(self) -> str:
        measures = ("budget_rows", "budget_cells", "staffing_rows", "staffing_cells", "nodes", "title", "service")
        parts = [f"{m} {self.share(m):.2%}" for m in measures]
        return (
            ", ".join(parts)
            + f", text {self.text_ratio:.4f}, {len(self.differences)} differences ({len(self.silent)} silent)"
        )


def compare(reference: Extraction, candidate: Extraction) -> Comparison:
    result = Comparison()
    flagged_nodes = _flagged_nodes(reference, candidate)
    _compare_nodes(reference, candidate, result, flagged_nodes)
    for table, measure in (("budget_lines", "budget"), ("staffing_lines", "staffing")):
        _compare_table_rows(reference, candidate, table, measure, result, flagged_nodes)
    _compare_texts(reference, candidate, result, flagged_nodes)
    return result


def _flagged_nodes(reference: Extraction, candidate: Extraction) -> set[str | None]:
    """Nodes with an anomaly in the candidate that the reference does not have."""
    known = Counter((a.kind, a.node_id) for a in reference.tables["anomalies"])
    found = Counter((a.kind, a.node_id) for a in candidate.tables["anomalies"])
    return {node for (_, node), n in found.items() if n > known.get((_, node), 0)}


def _bump(result: Comparison, measure: str, equal: bool) -> None:
    counts = result.counts.setdefault(measure, [0, 0])
    counts[0] += int(equal)
    counts[1] += 1


def _compare_nodes(reference, candidate, result, flagged) -> None:
    theirs = {
        row["node_id"]: row for row in without_space_after_hyphens([asdict(n) for n in candidate.tables["nodes"]])
    }
    for node, mine in zip(
        reference.tables["nodes"], without_space_after_hyphens([asdict(n) for n in reference.tables["nodes"]])
    ):
        other = theirs.get(node.node_id)
        _bump(result, "nodes", other is not None)
        for name in NODE_FIELDS:
            same = other is not None and other[name] == mine[name]
            if name in ("title", "service"):
                _bump(result, name, same)
            _bump(result, "node_fields", same)
            if not same:
                result.differences.append(
                    Difference("nodes", node.node_id, name, mine[name], other and other[name], node.node_id in flagged)
                )


def _row_key(table: str, row: dict) -> tuple:
    return (row["node_id"], row.get("category"), row.get("direction"), row.get("year"))


def _compare_table_rows(reference, candidate, table, measure, result, flagged) -> None:
    theirs: dict[tuple, list[dict | None]] = {}
    for row in candidate.tables[table]:
        theirs.setdefault(_row_key(table, asdict(row)), []).append(asdict(row))
    for row in reference.tables[table]:
        mine = asdict(row)
        matches = theirs.get(_row_key(table, mine)) or [None]
        other = matches.pop(0) if matches[0] is not None else None
        compared = [k for k in mine if k not in LINEAGE]
        _bump(result, f"{measure}_rows", other is not None and all(other[k] == mine[k] for k in compared))
        for name in CELL_FIELDS[table]:
            same = other is not None and other[name] == mine[name]
            _bump(result, f"{measure}_cells", same)
            if not same:
                key = f"{row.node_id} {mine.get('category') or ''} {mine.get('direction') or ''}".strip()
                result.differences.append(
                    Difference(table, key, name, mine[name], other and other[name], row.node_id in flagged)
                )


def _words_per_node(extraction: Extraction) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for text in extraction.tables["texts"]:
        words = _SPACE_AFTER_HYPHEN.sub("-", text.text).split()  # see without_space_after_hyphens
        out.setdefault(text.node_id, []).extend(f"{text.section}:{w}" for w in words)
    return out


def _compare_texts(reference, candidate, result, flagged) -> None:
    """Words per node (tagged with their section), matched in order."""
    mine, theirs = _words_per_node(reference), _words_per_node(candidate)
    for node in sorted(set(mine) | set(theirs)):
        a, b = mine.get(node, []), theirs.get(node, [])
        matched = sum(m.size for m in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
        result.text_words[0] += matched
        result.text_words[1] += max(len(a), len(b))
        if a != b:
            missing = [w for w in a if w not in set(b)][:6]
            extra = [w for w in b if w not in set(a)][:6]
            result.differences.append(
                Difference("texts", node, "words", " ".join(missing), " ".join(extra), node in flagged)
            )
