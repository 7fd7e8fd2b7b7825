"""The extraction of one report into the warehouse's raw schema (one partition per file)."""

import hashlib
import time
from collections import Counter

import dagster as dg

from extract import EXTRACTOR_VERSION
from extract.acceptance import refuse_layout_drift
from extract.errors import ExtractionError
from extract.reconcile import reconcile, summary
from extract.records import SCHEMAS
from extract.writer import to_arrow
from ingest.identity import (
    Verdict,
    extraction_identity,
    judge,
    loaded_identities,
    newer_in,
    overlap_reason,
    refused_identities,
    remember_identity,
    superseded_reason,
)
from ingest.inbox import same_size_files
from ingest.raw_load import (
    DUPLICATE_REASON,
    ensure_raw_schema,
    load_decision,
    record,
    release_from_quarantine,
    replace_document,
)
from ingest.sandbox import extract_guarded
from orchestration.defs.extraction.partitions import reports_partitions
from orchestration.resources import WarehouseDuckDB, WarehouseSettings

RAW_GROUP = "raw"
RAW_KEYS = {name: dg.AssetKey(["raw", name]) for name in SCHEMAS}


def extraction_metadata(extraction, seconds: float) -> dict:
    """What a person wants to see of one report in the UI."""
    t = extraction.tables
    kinds = Counter(a.kind for a in t["anomalies"])
    d = extraction.document
    checks = reconcile(t, d.layout)
    return {
        "document_id": d.document_id,
        "layout": d.layout,
        "report_year": d.report_year,
        "pages": d.page_count or 0,
        "blocks": len(t["nodes"]),
        "tables": len({r.table_no for r in t["budget_lines"]} | {r.table_no for r in t["staffing_lines"]}),
        "table_markers": d.table_markers,
        "budget_rows": len(t["budget_lines"]),
        "staffing_rows": len(t["staffing_lines"]),
        "anomalies": len(t["anomalies"]),
        "anomalies_by_kind": dg.MetadataValue.json(dict(sorted(kinds.items()))),
        "completeness_failures": kinds.get("completeness", 0),
        "reconciliation": dg.MetadataValue.json(summary(checks)),
        "reconciliation_gaps": dg.MetadataValue.json(
            [
                f"{r.parent} {r.metric}: printed {r.printed}, children {r.children_sum}, difference {r.difference}"
                for r in checks
                if r.status == "gap"
            ][:50]
        ),
        "duration_s": round(seconds, 2),
    }


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key,
            group_name=RAW_GROUP,
            description=f"Raw extracted `{name}` rows of every report, with lineage (document, page, line).",
        )
        for name, key in RAW_KEYS.items()
    ],
    partitions_def=reports_partitions,
    can_subset=False,
)
def raw_report(context: dg.AssetExecutionContext, warehouse: WarehouseDuckDB, settings: WarehouseSettings):
    """Extract one report PDF and replace its rows in the raw schema in one transaction.

    Unchanged bytes (same content hash, same extractor version) are not extracted again; the
    same report under a second name is loaded once, whether its bytes are the same or only
    what it reports (`ingest.identity`: re-saves skipped, a newer edition replaces the
    older, overlaps refused); a file that cannot be read goes to raw.quarantine with its
    reason and leaves every loaded row as it was.
    """
    for key, metadata, version in load_report(context.partition_key, warehouse, settings.get(), context.log):
        yield dg.MaterializeResult(asset_key=key, metadata=metadata, data_version=dg.DataVersion(version))


def load_report(name: str, warehouse: WarehouseDuckDB, config, log):
    """The work of one report partition, for the raw asset and for `extract_inbox`'s steps alike:
    yields (asset key, metadata, data version) of each raw table, or raises dg.Failure."""
    inbox = config.inbox
    path = inbox / name
    refused = refuse_partition_key(name, inbox)
    if refused:
        with warehouse.get_connection() as conn:
            record(conn, "quarantine", name, None, refused)
        raise dg.Failure(
            description=f"{name!r}: {refused}", metadata={"file": name, "reason": refused, "quarantined": True}
        )
    started = time.monotonic()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise dg.Failure(description=f"{name}: cannot read ({exc.strerror})") from None
    document_id = hashlib.sha256(data).hexdigest()
    present = same_size_files(inbox, name, document_id, len(data))
    with warehouse.get_connection() as conn:
        decision, other = load_decision(conn, name, document_id, EXTRACTOR_VERSION, present)
        keeper = loaded_twin(conn, name, document_id, present)
        if keeper:
            decision, other = "duplicate", keeper
        if decision == "duplicate":
            record(
                conn,
                "quarantine",
                name,
                document_id,
                f"{DUPLICATE_REASON} {other}, which is loaded: one report is loaded once",
            )
    if decision != "load":
        detail = (
            "unchanged since its last load (same sha256 and extractor version)"
            if decision == "unchanged"
            else f"duplicate of {other}"
        )
        log.info(f"{name}: {detail}; not extracted again")
        yield from _results({"document_id": document_id, "skipped": detail}, None, document_id)
        return
    try:
        extraction = extract_guarded(
            path, data, config.doc_timeout_s, config.doc_memory_mb, config.pdf_engine
        )  # in a child process, bounded
    except ExtractionError as exc:
        _refuse(warehouse, name, document_id, path, exc.reason)
    with warehouse.get_connection() as conn:  # judged and loaded under one lock: no other load slips in between
        verdict, replaced = judge_and_load(conn, extraction, path)
    if verdict.action != "load":
        log.info(f"{name}: {verdict.reason}; not loaded")
        yield from _results({"document_id": document_id, "skipped": verdict.reason}, None, document_id)
        return
    metadata = extraction_metadata(extraction, time.monotonic() - started)
    metadata["replaced_document_ids"] = dg.MetadataValue.json(replaced)
    yield from _results(metadata, extraction, document_id)


def judge_and_load(conn, extraction, path) -> tuple[Verdict, list[str]]:
    """Judge an extracted report against what is loaded and load it, or record why not; returns
    (the verdict, the document_ids its load removed). Raises dg.Failure for a refused report
    (layout, pages missing, an overlap); a re-save or an older edition is skipped, not a failure."""
    name, document_id, inbox = path.name, extraction.document.document_id, path.parent
    ensure_raw_schema(conn)
    identity = extraction_identity(extraction)
    loaded = loaded_identities(conn, identity)
    verdict = judge(identity, loaded, newer_in(inbox), refused_identities(conn, identity, loaded))
    overlap = verdict.reason if verdict.action == "overlap" else None
    try:
        refuse_layout_drift(path, extraction)  # a label or code the grammar does not know, pages missing: stop
    except ExtractionError as exc:  # a concatenation is named as such whatever else is wrong with it
        _refuse(None, name, document_id, path, f"{exc.reason}; it also {overlap}" if overlap else exc.reason, conn)
    if overlap:
        _refuse(None, name, document_id, path, overlap, conn, identity)
    if verdict.action != "load":
        record(conn, "quarantine", name, document_id, verdict.reason)
        return verdict, []
    superseded = tuple(d.document_id for d in verdict.supersedes)
    evicted = tuple(d.document_id for d in verdict.evicts)
    replaced = replace_document(conn, to_arrow(extraction), superseded, evicted)
    record(conn, "load_history", name, document_id, f"{EXTRACTOR_VERSION}:{'replaced' if replaced else 'loaded'}")
    release_from_quarantine(conn, name)
    for older in verdict.supersedes:  # settled while this file stays loaded (see state.plan_inbox)
        record(conn, "quarantine", older.file_name, older.document_id, superseded_reason(name))
    for other in verdict.evicts:  # it overlaps this report, which is kept (identity.best_cover)
        named = [d for d in verdict.kept if d.leaves & other.leaves]
        record(conn, "quarantine", other.file_name, other.document_id, overlap_reason(other, named))
        remember_identity(conn, other)
    return verdict, replaced


def _refuse(warehouse, name: str, document_id: str, path, reason: str, conn=None, overlapping=None):
    """Quarantine a report that is not loaded, with its reason (and its identity when it is
    refused for an overlap: `overlapping`), and fail the run."""
    if conn is None:
        with warehouse.get_connection() as conn:
            record(conn, "quarantine", name, document_id, reason)
    else:
        record(conn, "quarantine", name, document_id, reason)
        if overlapping:
            remember_identity(conn, overlapping)
    raise dg.Failure(
        description=f"{path.name}: {reason}", metadata={"file": str(path), "reason": reason, "quarantined": True}
    )


def refuse_partition_key(name: str, inbox) -> str | None:
    """Why a partition key is no file directly in the inbox (a path, `..`, a link out), or None.

    Partitions come from the inbox listing, but anyone can add one by hand (UI, API): the
    raw asset reads only files that sit in the inbox itself.
    """
    if not name or name in (".", "..") or any(c in name for c in "/\\\0"):
        return "refused: a report partition must be a plain file name in the inbox, not a path"
    if (inbox / name).resolve().parent != inbox.resolve():
        return "refused: a link that leads out of the inbox"
    return None


def loaded_twin(conn, name: str, document_id: str, present: dict[str, str]) -> str | None:
    """The other inbox file with the same bytes that is loaded (or will be) instead of this one.

    The one already loaded keeps its place; among new twins the first name in sorted order is
    loaded, so the choice does not depend on which partition's run happens to finish first.
    """
    twins = sorted(n for n, sha in present.items() if sha == document_id)
    if len(twins) < 2:
        return None
    loaded = {
        r[0]
        for r in conn.execute("SELECT file_name FROM raw.documents WHERE document_id = ?", [document_id]).fetchall()
    }
    keeper = next((n for n in twins if n in loaded), twins[0])
    return None if keeper == name else keeper


def _results(metadata: dict, extraction, document_id: str):
    for table, key in RAW_KEYS.items():
        rows = {"rows": 1 if table == "documents" else len(extraction.tables[table])} if extraction else {}
        yield key, {**(metadata if table == "documents" else {}), **rows}, f"{document_id[:16]}-{EXTRACTOR_VERSION}"
