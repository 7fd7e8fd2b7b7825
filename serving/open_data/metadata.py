"""What the open-data package says of itself: names, licences, limitations, Parquet options, code keys."""

from __future__ import annotations

MARTS_SCHEMA = "marts"
PERSONAL_DATA_ENV = "GENT_EXPORT_PERSONAL_DATA"
PERSONAL_RESOURCE = "responsibles"
PERSONAL_DATA_TAG = "personal_data"
DATAPACKAGE = "datapackage.json"
PARQUET_SUFFIX = "-parquet"  # resource name of a mart's Parquet file: "<mart>-parquet"
EXCEL_SUFFIX = ".excel.csv"  # "<mart>.excel.csv": the CSV for a Belgian Excel, not a package resource

# Parquet writer options, pinned so that two runs (and two machines with the same pyarrow)
# write the same bytes. pyarrow writes no timestamps; `created_by` names the pyarrow version and
# the only key-value metadata is the Arrow schema (types + field descriptions), both fixed.
PARQUET_OPTIONS = dict(
    compression="zstd",
    compression_level=9,
    use_dictionary=True,
    write_statistics=True,
    version="2.6",
    data_page_version="1.0",
    data_page_size=1024 * 1024,
    write_batch_size=1024,
    dictionary_pagesize_limit=1024 * 1024,
    write_page_index=False,
    write_page_checksum=False,
    use_byte_stream_split=False,
    store_schema=True,
)
# Rows per Parquet row group: what the export holds of a mart while writing it (DuckDB's own is 122.880).
PARQUET_ROW_GROUP_SIZE = 131_072
# DuckDB's share of the build's main process in each of the export's connections (reading the marts;
# checking the files, where the biggest CSV is held as a table while its keys are checked: about
# 200 MB at 100 reports without a limit). Beyond it DuckDB spills to disk.
DUCKDB_MEMORY_LIMIT = "384MB"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"

# The data licence. The source reports are public documents of Stad Gent, OCMW Gent and
# District09; the City publishes its open data under the Flemish model licence for free reuse
# (any purpose, attribution required). Documents with personal data fall outside that licence,
# which is one more reason why the names of the aldermen stay out by default.
LICENSES = [
    {
        "title": "Modellicentie voor gratis hergebruik v1.0 (Vlaamse overheid): free reuse for any purpose, "
        'with attribution "Bron: Stad Gent, OCMW Gent en District09, jaarrekeningen"',
        "path": "https://overheid.vlaanderen.be/sites/default/files/documenten/ict-egov/licenties/hergebruik/"
        "modellicentie_gratis_hergebruik_v1_0.html",
    }
]

PACKAGE = {
    "name": "gent-jaarrekening",
    "title": "Jaarrekening Groep Gent (Stad Gent, OCMW Gent, District09): budget, actuals and staffing per policy goal, action plan and action",
    "description": (
        "The annual accounts (jaarrekening) of the City of Ghent and its group, as printed in the PDF reports "
        "(policy goal > action plan > action/project, each with a budget table and a staffing table), extracted "
        "into a star schema. Printed values are kept exactly as printed; derived values (recomputed percentages, "
        "derived totals, imputed cells, conformed Stad/OCMW actions) are in separate, labelled columns. Every row "
        "leads back to its source document (document_id = sha256 of the file), page and line. Read "
        "`limitations` before adding numbers up: only fct_spending and fct_staffing are additive. Every CSV "
        "resource <name>.csv also comes as <name>.excel.csv, the same rows for a Belgian Excel (';' between "
        "cells, ',' as decimal separator, UTF-8 with BOM); see the limitation `csv-formulas` for text cells."
    ),
    "keywords": [
        "Gent",
        "Ghent",
        "jaarrekening",
        "annual accounts",
        "budget",
        "OCMW",
        "District09",
        "fiscal data package",
        "open data",
    ],
    "countryCode": "BE",
    "granularity": "aggregated",
}

# Known limitations, stated once in the package (the column descriptions say the same per field).
LIMITATIONS = [
    {
        "name": "rounding",
        "title": "Independent rounding of every level",
        "description": "Every level of the report (leaf, action plan, goal) is rounded to whole euros (0.01 VTE) on "
        "its own, so a sum of n children may differ from the printed parent by up to 1/2 unit x (n+1). "
        "rpt_reconciliation gives every parent's difference, tolerance and status (exact, rounding, gap, "
        "not_printed, derived, not_reported); a `gap` is an inconsistency of the report itself or a "
        "block missing from the source, reported with its size and location, never corrected.",
        "resources": ["rpt_reconciliation", "fct_spending_reported", "fct_staffing_reported"],
    },
    {
        "name": "derived-totals",
        "title": "Derived totals and recomputed percentages",
        "description": "The 2021 District09 report prints no goal (SD) totals: rpt_reconciliation.derived_value holds "
        "them as the sum of the plans, flagged by is_derived. Percentages recomputed from the printed "
        "amounts are in *_pct_recomputed, next to the printed *_pct_printed. A conformed Stad/OCMW "
        "action (dim_action) is derived from title matching: its amount is the sum over its action_key.",
        "resources": ["rpt_reconciliation", "fct_spending_reported", "fct_staffing_reported", "dim_action"],
    },
    {
        "name": "imputed-cells",
        "title": "Imputed cells",
        "description": "Cells the source lost are null in the printed columns (budget_eur, actual_eur, actual_prev_eur); "
        "a value derived from the parent total or the printed percentage is in the separate *_imputed "
        "columns with imputation_method. coalesce(actual_eur, actual_eur_imputed) gives a complete "
        "total. The printed entity of a leaf whose header was lost is `unknown`; entity_code_imputed holds "
        "the entity inferred from the print order, with entity_imputation_method.",
        "resources": ["fct_spending"],
    },
    {
        "name": "intra-group-flows",
        "title": "Intra-group flows are not eliminated",
        "description": "Stad Gent pays District09 (AC34776, expenditure) and District09 books the same money as revenue "
        "(ACAR004). Such rows are kept and flagged is_intra_group = true (rule in intra_group_rule). A "
        "group-wide total must exclude them on one side; the data itself eliminates nothing.",
        "resources": ["fct_spending"],
    },
    {
        "name": "previous-year-2021",
        "title": "Previous year not applicable in 2021",
        "description": "District09 existed one year in 2021: its previous-year columns are printed 0 but mean 'not "
        "applicable' (is_prev_year_applicable = false).",
        "resources": [
            "fct_spending",
            "fct_spending_reported",
            "fct_spending_fiscal",
            "rpt_reconciliation",
            "dim_document",
        ],
    },
    {
        "name": "staffing-not-reported",
        "title": "Staffing not reported is not zero",
        "description": "The 2021 District09 report has no staffing tables: VTE values are null with fte_null_reason "
        "`not_reported`, never 0.",
        "resources": ["fct_staffing", "rpt_reconciliation"],
    },
    {
        "name": "lost-headers",
        "title": "Blocks whose header line was lost",
        "description": "Some leaves lost their code/title/service line in the source; they keep their money under a "
        "synthetic node_id (e.g. OD10071~lost1), is_header_lost = true, entity `unknown`, and "
        "entity_code_imputed where the print order tells the entity (Stad leaves first, OCMW leaves "
        "last within a plan): `not_imputable` only between a Stad and an OCMW leaf or at a plan's end "
        "next to the other entity.",
        "resources": ["fct_spending", "fct_staffing", "dim_action"],
    },
    {
        "name": "narrative",
        "title": "The report's prose, paragraph by paragraph",
        "description": "fct_narrative holds every paragraph of the descriptions, 'Wat hebben we bereikt?' and indicator "
        "sentences exactly as read, with the keys of its goal, plan and conformed action (join "
        "fct_spending on them for the amounts). page and line are those of the paragraph's section: "
        "the first paragraph starts there, the next ones follow it.",
        "resources": ["fct_narrative"],
    },
    {
        "name": "csv-formulas",
        "title": "Text that looks like a formula is neutralised in the CSV files",
        "description": "A spreadsheet runs a cell starting with =, +, -, @, TAB or CR as a formula. In the CSV files "
        "(<name>.csv and <name>.excel.csv) such a text cell is prefixed with an apostrophe ('=... "
        "instead of =...), the usual rule against formula injection; a text that is a printed number "
        "(-4.335.322, -8,9%) and every number column are left as they are. The Parquet files keep the "
        "printed text unchanged: read them when the exact text matters.",
        "resources": [],
    },
    {
        "name": "lineage",
        "title": "Lineage",
        "description": "document_id is the sha256 of the source file (see `sources`); page is null when the source was "
        "a text dump without pages; line is the 1-based line of the source text layer.",
        "resources": [],
    },
    {
        "name": "personal-data",
        "title": "Personal data left out",
        "description": "The 2021 report names the responsible alderman of each action plan. Names are personal data: "
        "they are not in this export unless it was made with the documented switch "
        "(include_personal_data / --include-personal-data / GENT_EXPORT_PERSONAL_DATA=1), in which "
        "case they are only in the resource `responsibles`.",
        "resources": [],
    },
]

# Fiscal Data Package (FDP 1.0) `columnType` per column name: the fiscal concept of the column.
# The policy hierarchy goal (SD) > action plan (OD/PO) > action/project is the functional
# classification, levels 1-3; entity and service are the administrative one.
FDP_COLUMN_TYPES: dict[str, str] = {
    "goal_code": "functional-classification:generic:level1:code:full",
    "goal_title": "functional-classification:generic:level1:label",
    "action_plan_code": "functional-classification:generic:level2:code:full",
    "action_plan_title": "functional-classification:generic:level2:label",
    "leaf_code": "functional-classification:generic:level3:code:full",
    "entity_code": "administrative-classification:generic:level1:code:full",
    "entity_name": "administrative-classification:generic:level1:label",
    "enterprise_number": "administrator:generic:id",
    "service_key": "administrative-classification:generic:level2:code:full",
    "service_name": "administrative-classification:generic:level2:label",
    "category": "economic-classification:generic:level1:code:full",
    "fiscal_year": "date:fiscal-year",
    **{
        amount: "value"
        for amount in (
            "budget_eur",
            "actual_eur",
            "actual_prev_eur",
            "budget_eur_imputed",
            "actual_eur_imputed",
            "actual_prev_eur_imputed",
            "expenditure_budget_eur",
            "expenditure_actual_eur",
            "revenue_budget_eur",
            "revenue_actual_eur",
        )
    },
}
# Per resource: the line-item id of the fact tables, the label of a leaf.
FDP_RESOURCE_COLUMN_TYPES: dict[str, dict[str, str]] = {
    "fct_spending": {"spending_key": "budget-line-id"},
    "fct_spending_fiscal": {"fiscal_spending_key": "budget-line-id"},
    "fct_spending_reported": {"reported_spending_key": "budget-line-id"},
    "dim_action": {"title_printed": "functional-classification:generic:level3:label"},
}
# The FDP logical model (`model`) is built on fct_spending_fiscal, where each amount column has
# one direction and one phase and every row carries the amount's own fiscal year (a report's
# previous-year actuals are rows of that year). Phase: the budget column of a jaarrekening
# ("Budget Y") is the final budget after the year's budget changes (eindbudget), so `adjusted`,
# not `approved` (the initial budget); "Jaarrekening Y" is `executed`.
FISCAL_RESOURCE = "fct_spending_fiscal"
FISCAL_MEASURES = {  # measure -> (column, direction, phase)
    "expenditure-budget": ("expenditure_budget_eur", "expenditure", "adjusted"),
    "expenditure-executed": ("expenditure_actual_eur", "expenditure", "executed"),
    "revenue-budget": ("revenue_budget_eur", "revenue", "adjusted"),
    "revenue-executed": ("revenue_actual_eur", "revenue", "executed"),
}
# Official codes as keys: a column of this name references the dimension that owns the code.
CODE_KEYS = {
    "document_id": ("dim_document", "document_id"),
    "goal_code": ("dim_policy_goal", "goal_code"),
    "action_plan_code": ("dim_action_plan", "action_plan_code"),
    "entity_code": ("dim_entity", "entity_code"),
}
# Readable row order where the manifest names no natural key (the surrogate key always ends it);
# otherwise a mart without one is sorted in document order (document_id, line).
SORT_OVERRIDES = {"rpt_action_pair_review": ["document_id", "left_line", "right_line", "review_reason"]}
LINEAGE_FIELDS = ("document_id", "page", "line")


class ExportError(RuntimeError):
    """The export cannot be made (no manifest, undocumented column, personal data found...)."""


class PersonalDataError(ExportError):
    """A personal name was found in an export made without the personal-data switch."""
