"""The raw output tables of the extractor, one dataclass per table, with their Arrow schemas."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

import pyarrow as pa

AMOUNT = pa.int64()
PCT = pa.decimal128(12, 1)
FTE = pa.decimal128(12, 2)


@dataclass
class Document:
    document_id: str  # sha256 of the file bytes
    file_name: str
    source_format: str  # 'pdf' or 'text'
    title: str | None
    theme: str | None
    report_year: int | None
    previous_year: int | None
    layout: str  # 'stad_ocmw' or 'district09'
    entities: str  # printed entity lines, '; '-separated: "Stad Gent (BE 0207 451 227); …"
    page_count: int | None
    line_count: int
    table_markers: int  # table markers counted in the text layer, independently of the parser
    extractor_version: str


@dataclass
class Node:
    document_id: str
    node_id: str  # the code, or a synthetic id for a lost header; unique within a document
    code: str | None
    level: str  # goal, action_plan, action, project
    parent_node_id: str | None
    title: str | None
    service: str | None  # as printed
    entity: str | None  # stad, ocmw, district09 (leaves only)
    status: str | None
    phase: str | None
    period_start: int | None
    period_end: int | None
    owner: str | None
    header_lost: bool
    position: int  # order of the block in the document
    page: int | None
    line: int


@dataclass
class Responsible:
    """Personal data (names of aldermen): kept here only, never in fact tables."""

    document_id: str
    node_id: str
    name: str
    page: int | None
    line: int


@dataclass
class BudgetLine:
    document_id: str
    node_id: str
    table_no: int
    row_no: int
    category: str
    direction: str
    label_printed: str
    budget_raw: str | None
    actual_raw: str | None
    execution_pct_raw: str | None
    actual_prev_raw: str | None
    change_pct_raw: str | None
    budget: int | None
    actual: int | None
    execution_pct: Decimal | None
    actual_prev: int | None
    change_pct: Decimal | None
    year: int | None
    previous_year: int | None
    page: int | None
    line: int
    raw_text: str


@dataclass
class StaffingLine:
    document_id: str
    node_id: str
    table_no: int
    plan_raw: str | None
    paid_raw: str | None
    paid_pct_raw: str | None
    paid_prev_raw: str | None
    change_pct_raw: str | None
    plan_fte: Decimal | None
    paid_fte: Decimal | None
    paid_pct: Decimal | None
    paid_prev_fte: Decimal | None
    change_pct: Decimal | None
    year: int | None
    previous_year: int | None
    page: int | None
    line: int
    raw_text: str


@dataclass
class Text:
    document_id: str
    node_id: str
    section: str  # description, achievements, indicator
    seq: int  # order of the section within the node
    text: str  # paragraphs separated by a newline
    page: int | None
    line: int
    paragraph_pages: list[int | None]  # where each paragraph of `text` starts, in order
    paragraph_lines: list[int]


@dataclass
class Anomaly:
    document_id: str
    node_id: str | None
    kind: str
    detail: str
    page: int | None
    line: int | None
    raw_text: str | None


SCHEMAS: dict[str, pa.Schema] = {}
ROW_TYPES = {
    "documents": Document,
    "nodes": Node,
    "responsibles": Responsible,
    "budget_lines": BudgetLine,
    "staffing_lines": StaffingLine,
    "texts": Text,
    "anomalies": Anomaly,
}
_OVERRIDES = {
    "budget": AMOUNT,
    "actual": AMOUNT,
    "actual_prev": AMOUNT,
    "execution_pct": PCT,
    "change_pct": PCT,
    "paid_pct": PCT,
    "plan_fte": FTE,
    "paid_fte": FTE,
    "paid_prev_fte": FTE,
}
_BY_ANNOTATION = {
    "str": pa.string(),
    "str | None": pa.string(),
    "int": pa.int64(),
    "int | None": pa.int64(),
    "bool": pa.bool_(),
    "list[int]": pa.list_(pa.int64()),
    "list[int | None]": pa.list_(pa.int64()),
}
for _name, _cls in ROW_TYPES.items():
    SCHEMAS[_name] = pa.schema(
        [pa.field(f.name, _OVERRIDES.get(f.name) or _BY_ANNOTATION[str(f.type)]) for f in fields(_cls)]
    )
