"""A report is identified by what it reports, not only by its bytes.

Its identity is the set of (entity, leaf code, report year) it prints, next to a digest of
its printed content (every node's code, title and service, every table row's printed cells).
Byte-identical copies are caught before extraction (`raw_load.load_decision`); this rule
judges an extracted report against the documents loaded from other files, so that no leaf ×
entity × year is ever loaded from two documents (the dbt test
`assert_no_leaf_entity_year_in_two_documents` proves it on the marts):

- same leaves, same printed content: a re-save (other bytes, other name) — skipped;
- same leaves, other content: two editions — the newer file (modification time, then name)
  is loaded and replaces the older, which is recorded as superseded;
- some leaves shared, not all: a concatenation or an overlapping extract. Of the documents that
  overlap (the incoming one, those loaded, and those refused earlier for an overlap, whose
  identities are kept in raw.refused_identities) the ones kept are those that report the most
  leaves without overlapping each other, then the most documents (the parts rather than their
  concatenation), then the first names: the decision does not depend on which file was
  extracted first. The others are refused naming the files they overlap; a loaded one that
  loses leaves in the same transaction as the new one is loaded.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

LEAF_LEVELS = ("action", "project")
RESAVE_REASON = "same report as"  # how raw.quarantine names a re-save of a loaded report
OLDER_EDITION_REASON = "older edition of"
OVERLAP_REASON = "overlaps"
NAMED_FILE = re.compile(r"'([^']+)'")  # file names are quoted in the reasons above
SHOWN_LEAVES = 5
MAX_CANDIDATES = 12  # overlapping documents weighed together (2^n subsets); more: the loaded stay


@dataclass(frozen=True)
class ReportIdentity:
    file_name: str
    document_id: str
    report_year: int | None
    leaves: frozenset[tuple[str, str]]  # (entity, leaf code)
    content: str  # digest of the printed nodes and table rows (page and line left out)


def identity_of(
    file_name: str, document_id: str, report_year: int | None, nodes, budget_lines, staffing_lines
) -> ReportIdentity:
    """The identity of one document from its rows (dataclasses or dicts with the raw columns)."""
    get = _getter
    leaves = frozenset(
        (get(n, "entity") or "", get(n, "code")) for n in nodes if get(n, "level") in LEAF_LEVELS and get(n, "code")
    )
    printed = [
        sorted(
            json.dumps([get(n, k) for k in ("node_id", "level", "parent_node_id", "title", "service")]) for n in nodes
        ),
        sorted(
            json.dumps(
                [
                    get(r, k)
                    for k in (
                        "node_id",
                        "category",
                        "direction",
                        "budget_raw",
                        "actual_raw",
                        "execution_pct_raw",
                        "actual_prev_raw",
                        "change_pct_raw",
                    )
                ]
            )
            for r in budget_lines
        ),
        sorted(
            json.dumps(
                [
                    get(r, k)
                    for k in ("node_id", "plan_raw", "paid_raw", "paid_pct_raw", "paid_prev_raw", "change_pct_raw")
                ]
            )
            for r in staffing_lines
        ),
    ]
    content = hashlib.sha256(json.dumps(printed).encode()).hexdigest()
    return ReportIdentity(file_name, document_id, report_year, leaves, content)


def _getter(row, key):
    return row[key] if isinstance(row, dict) else getattr(row, key)


def extraction_identity(extraction) -> ReportIdentity:
    d, t = extraction.document, extraction.tables
    return identity_of(d.file_name, d.document_id, d.report_year, t["nodes"], t["budget_lines"], t["staffing_lines"])


def loaded_identities(conn, incoming: ReportIdentity) -> list[ReportIdentity]:
    """The identities of the documents loaded from other files that report a leaf of `incoming`
    for the same year (found in SQL, so a load reads the rows of those few documents only)."""
    keys = [f"{entity}:{code}" for entity, code in incoming.leaves]
    documents = _other_files_same_year(
        conn,
        "SELECT DISTINCT d.document_id, d.file_name, d.report_year FROM raw.documents d JOIN raw.nodes n USING (document_id) "
        "WHERE d.file_name <> ? AND d.report_year IS NOT DISTINCT FROM ? AND n.level IN ('action', 'project') "
        "AND list_contains(?, coalesce(n.entity, '') || ':' || n.code) ORDER BY d.file_name",
        incoming,
        keys,
    )
    out = []
    for document_id, file_name, year in documents:
        rows = {
            table: _dicts(conn, f"SELECT * FROM raw.{table} WHERE document_id = ?", [document_id])
            for table in ("nodes", "budget_lines", "staffing_lines")
        }
        out.append(
            identity_of(file_name, document_id, year, rows["nodes"], rows["budget_lines"], rows["staffing_lines"])
        )
    return out


def _other_files_same_year(conn, sql: str, incoming: ReportIdentity, keys: list[str]) -> list[tuple]:
    """Rows of `sql`, whose three parameters are: a file name other than `incoming`'s, the same
    report year, and the entity:code keys of the leaves to look for."""
    return conn.execute(sql, [incoming.file_name, incoming.report_year, keys]).fetchall()


def _dicts(conn, sql: str, params: list) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def refused_identities(conn, incoming: ReportIdentity, loaded: list[ReportIdentity]) -> list[ReportIdentity]:
    """Identities of files refused for an overlap (still refused with the same bytes) that share a
    leaf of the same year with `incoming` or with the loaded documents it overlaps."""
    keys = sorted({f"{e}:{c}" for d in [incoming, *loaded] for e, c in d.leaves})
    rows = _other_files_same_year(
        conn,
        "SELECT i.file_name, i.document_id, i.report_year, i.leaves, i.content FROM raw.refused_identities i "
        "JOIN raw.quarantine q USING (file_name, document_id) WHERE i.file_name <> ? "
        "AND i.report_year IS NOT DISTINCT FROM ? AND list_has_any(i.leaves, ?) ORDER BY i.file_name",
        incoming,
        keys,
    )
    return [
        ReportIdentity(name, doc, year, frozenset(tuple(leaf.split(":", 1)) for leaf in leaves), content)
        for name, doc, year, leaves, content in rows
    ]


def remember_identity(conn, identity: ReportIdentity) -> None:
    """Keep the identity of a file refused for an overlap (after its quarantine entry is recorded)."""
    conn.execute("DELETE FROM raw.refused_identities WHERE file_name = ?", [identity.file_name])
    conn.execute(
        "INSERT INTO raw.refused_identities VALUES (?, ?, ?, ?, ?, now())",
        [
            identity.file_name,
            identity.document_id,
            identity.report_year,
            sorted(f"{e}:{c}" for e, c in identity.leaves),
            identity.content,
        ],
    )


@dataclass(frozen=True)
class Verdict:
    action: str  # 'load', 'resave', 'older_edition', 'overlap'
    reason: str | None = None  # for the incoming file when it is not loaded
    supersedes: tuple[ReportIdentity, ...] = ()  # older editions the incoming report replaces
    evicts: tuple[ReportIdentity, ...] = ()  # loaded documents that overlap it and leave (see best_cover)
    kept: tuple[ReportIdentity, ...] = ()  # the documents kept with it, which the evicted ones are named after


def best_cover(candidates: list[ReportIdentity]) -> frozenset[str] | None:
    """The files to keep of documents that overlap: no two kept share a leaf; the most leaves,
    then the most documents, then the first names in sorted order. Whatever order they came in,
    the same files are kept. None when there are too many to weigh."""
    if len(candidates) > MAX_CANDIDATES:
        return None
    best = None
    for size in range(1, len(candidates) + 1):
        for chosen in combinations(candidates, size):
            if any(a.leaves & b.leaves for a, b in combinations(chosen, 2)):
                continue
            covered = len(frozenset().union(*(c.leaves for c in chosen)))
            key = (-covered, -size, sorted(c.file_name for c in chosen))
            best = min(best, key) if best else key
    return frozenset(best[2]) if best else None


def judge(incoming: ReportIdentity, loaded: list[ReportIdentity], newer, refused: list[ReportIdentity] = ()) -> Verdict:
    """What to do with an extracted report, given the documents loaded from other files and
    those refused earlier for an overlap (`refused`); pure.

    `newer(a, b)` tells whether file a is a newer edition than file b (both names).
    """
    same_year = [d for d in loaded if d.report_year == incoming.report_year and d.leaves & incoming.leaves]
    for other in same_year:
        if other.leaves == incoming.leaves and other.content == incoming.content:
            return Verdict(
                "resave",
                f"{RESAVE_REASON} '{other.file_name}' (the same leaves, entities, year and printed "
                f"rows in other bytes), which is loaded: one report is loaded once",
            )
    overlapping = [d for d in same_year if d.leaves != incoming.leaves]
    if overlapping:
        weighed = [d for d in refused if d.report_year == incoming.report_year and d.leaves != incoming.leaves]
        candidates = [incoming, *overlapping, *weighed]
        kept = best_cover(candidates)
        # a refusal names the kept files it overlaps (loaded, or to be loaded in the next round)
        kept = [d for d in candidates if d.file_name in kept] if kept is not None else overlapping
        if incoming in kept:
            return Verdict("load", None, (), tuple(overlapping), tuple(kept))
        return Verdict("overlap", overlap_reason(incoming, [d for d in kept if d.leaves & incoming.leaves]))
    editions = [d for d in same_year if d.leaves == incoming.leaves]
    older = [d for d in editions if not newer(incoming.file_name, d.file_name)]
    if older:
        return Verdict(
            "older_edition",
            f"{OLDER_EDITION_REASON} '{older[0].file_name}' (the same leaves, other printed "
            f"rows; that file is newer and is loaded)",
        )
    return Verdict("load", None, tuple(editions))


def overlap_reason(refused: ReportIdentity, kept: list[ReportIdentity]) -> str:
    named = ", ".join(f"'{d.file_name}' ({_shared(refused, d)})" for d in kept)
    return (
        f"{OVERLAP_REASON} {named}: it reports leaves of the same entities and year that are loaded "
        f"from other files (a concatenation or an overlapping extract), and none is summed twice"
    )


def _shared(incoming: ReportIdentity, other: ReportIdentity) -> str:
    shared = sorted(code for _, code in incoming.leaves & other.leaves)
    shown = ", ".join(shared[:SHOWN_LEAVES]) + (", …" if len(shared) > SHOWN_LEAVES else "")
    return f"{len(shared)} of its {len(incoming.leaves)} leaves: {shown}"


def superseded_reason(newer_file: str) -> str:
    return f"{OLDER_EDITION_REASON} '{newer_file}' (the same leaves, other printed rows), which replaced it"


def newer_in(inbox: Path):
    """newer(a, b) for files of one inbox: later modification time, then later name; a file gone is older."""

    def stamp(name: str):
        try:
            return ((inbox / name).stat().st_mtime_ns, name)
        except OSError:
            return (-1, name)

    return lambda a, b: stamp(a) > stamp(b)


def names_in(reason: str) -> list[str]:
    """The files an identity refusal names: it holds only while they stay loaded."""
    if not reason.startswith((RESAVE_REASON, OLDER_EDITION_REASON, OVERLAP_REASON)):
        return []
    return NAMED_FILE.findall(reason)
