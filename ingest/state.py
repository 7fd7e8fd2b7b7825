"""What is loaded, asked of the warehouse itself: the inbox against the warehouse's raw rows.

There is no side file: `raw.documents` says which file is loaded with which bytes (its
document_id is the sha256) by which extractor version, `raw.quarantine` which files were
refused, `raw.load_history` how often a file left the warehouse, `raw.publications` which
code built the published snapshot. `make run`, the inbox sensor and the rebuild sensor all
decide from these tables, so what they believe is loaded cannot disagree with the warehouse.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from ingest.identity import names_in
from ingest.raw_load import DUPLICATE_REASON


class WarehouseBusy(Exception):
    """Another process is writing the database (DuckDB: one writer or many readers)."""


@dataclass(frozen=True)
class WarehouseState:
    loaded: dict[str, tuple[str, str]] = field(default_factory=dict)  # file -> (document_id, extractor version)
    quarantined: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # file -> (document_id, reason)
    departures: Counter = field(default_factory=Counter)  # file -> times it was dropped from the warehouse
    code_hash: str | None = None  # of the last publication recorded in this database
    # when each loaded file's current rows were loaded, and each refusal recorded: an identity
    # refusal holds only while the files it names keep the rows they had when it was made
    loaded_at: dict[str, datetime] = field(default_factory=dict, compare=False)
    refused_at: dict[str, datetime] = field(default_factory=dict, compare=False)

    def digest(self) -> str:
        """Fingerprint of the rows a rebuild would publish (the loaded and refused files)."""
        payload = {"loaded": self.loaded, "quarantined": self.quarantined}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class InboxPlan:
    """What to do so that the warehouse holds exactly the inbox's good files."""

    extract: list[str]  # new, changed, renamed, restored files; first sight of a bad file or a second copy
    drop: list[str]  # loaded or refused files that left the inbox (removed, renamed away)
    settled: list[str]  # held as they are (loaded, or refused with the same bytes)

    @property
    def empty(self) -> bool:
        return not self.extract and not self.drop


def read_state(conn: duckdb.DuckDBPyConnection) -> WarehouseState:
    tables = {
        r[0]
        for r in conn.execute("select table_name from information_schema.tables where table_schema = 'raw'").fetchall()
    }
    if "documents" not in tables:
        return WarehouseState()
    loaded = {
        n: (d, v)
        for n, d, v in conn.execute("select file_name, document_id, extractor_version from raw.documents").fetchall()
    }
    refusals = (
        conn.execute("select file_name, document_id, reason, recorded_at from raw.quarantine").fetchall()
        if "quarantine" in tables
        else []
    )
    quarantined = {n: (d, r) for n, d, r, _ in refusals}
    loaded_at = (
        dict(
            conn.execute(
                "select h.file_name, max(h.recorded_at) from raw.load_history h join raw.documents d "
                "using (file_name, document_id) where h.action in ('loaded', 'replaced') group by 1"
            ).fetchall()
        )
        if "load_history" in tables
        else {}
    )
    departures = (
        Counter(
            dict(
                conn.execute(
                    "select file_name, count(*) from raw.load_history where action = 'dropped' group by 1"
                ).fetchall()
            )
        )
        if "load_history" in tables
        else Counter()
    )
    code = (
        conn.execute("select code_hash from raw.publications order by published_at desc limit 1").fetchone()
        if "publications" in tables
        else None
    )
    return WarehouseState(
        loaded, quarantined, departures, code[0] if code else None, loaded_at, {n: t for n, _, _, t in refusals}
    )


def read_database(db: Path) -> WarehouseState:
    """The state of a database file, opened read-only (an empty state when there is none).

    Raises WarehouseBusy when a writer holds it: ask again later rather than wait.
    """
    if not Path(db).exists():
        return WarehouseState()
    try:
        conn = duckdb.connect(str(db), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(str(exc)) from None
        raise
    try:
        return read_state(conn)
    finally:
        conn.close()


def keepers(inbox: dict[str, str], loaded: dict[str, tuple[str, str]]) -> dict[str, str]:
    """File -> the file whose rows stand for its bytes: itself, or the twin loaded instead.

    Of files with the same bytes the one already loaded keeps its place, else the first name
    in sorted order (the same rule as the raw asset's, so the choice does not depend on which
    run finishes first).
    """
    twins: dict[str, list[str]] = {}
    for name in sorted(inbox):
        twins.setdefault(inbox[name], []).append(name)
    chosen = {}
    for sha, names in twins.items():
        keeper = next((n for n in names if loaded.get(n, ("",))[0] == sha), names[0])
        chosen.update({n: keeper for n in names})
    return chosen


def plan_inbox(
    inbox: dict[str, str], state: WarehouseState, extractor_version: str, present: Iterable[str] = ()
) -> InboxPlan:
    """Compare the inbox (file -> sha256) with the warehouse; pure.

    `present`: names still in the inbox that could not be read this time (permissions, …):
    their rows stay as they are, neither extracted nor dropped."""
    keeper = keepers(inbox, state.loaded)
    extract, settled = [], []
    for name, sha in sorted(inbox.items()):
        refused_sha, reason = state.quarantined.get(name, (None, ""))
        if keeper[name] == name:  # a refusal that names other files (identity) holds while they stay loaded
            held = state.loaded.get(name) == (sha, extractor_version) or (
                refused_sha == sha and not reason.startswith(DUPLICATE_REASON) and identity_refusal_holds(name, state)
            )
        else:  # a second copy: settled once it is recorded as refused (as a copy, or as a bad file)
            held = refused_sha == sha and name not in state.loaded
        (settled if held else extract).append(name)
    gone = sorted((set(state.loaded) | set(state.quarantined)) - set(inbox) - set(present))
    return InboxPlan(extract, gone, settled)


def identity_refusal_holds(name: str, state: WarehouseState) -> bool:
    """Whether the refusal of `name` still stands: every file it names (an identity refusal) is
    loaded with the rows it had when the refusal was made. A named file loaded again since
    (another edition) makes the reason stale: the file is judged afresh against what is loaded."""
    refused = state.refused_at.get(name)
    return all(
        other in state.loaded and (refused is None or state.loaded_at.get(other, refused) <= refused)
        for other in names_in(state.quarantined[name][1])
    )


def extract_run_key(name: str, sha: str, extractor_version: str, state: WarehouseState) -> str:
    """Run key of one file's extraction: its bytes, the extractor, how often it left the warehouse
    and what the warehouse holds of it now. A run key is used once: a file removed and put back,
    or one whose last run left it in another state (refused as a copy of a file that has changed
    since), gets a new key; a run that changes nothing leaves the key as it was (no retry loop)."""
    held = [state.loaded.get(name), state.quarantined.get(name)]
    named = names_in((state.quarantined.get(name) or ("", ""))[1])
    if named:  # refused because of other loaded files (identity): a new key once one of them leaves
        held.append([(state.loaded.get(other), str(state.loaded_at.get(other))) for other in named])
    held = json.dumps(held)
    return f"extract:{name}:{sha}:{extractor_version}:{state.departures[name]}:{hashlib.sha256(held.encode()).hexdigest()[:12]}"


def drop_run_key(names: list[str], state: WarehouseState) -> str:
    held = [f"{n}:{(state.loaded.get(n) or state.quarantined.get(n) or ('',))[0]}:{state.departures[n]}" for n in names]
    return "drop:" + hashlib.sha256("|".join(held).encode()).hexdigest()[:24]
