-- One row per printed row of a budget table ("Budgettaire onderbouwing"): six per table.
-- Printed strings (*_raw) and parsed values side by side; a null value = cell not printed.
select
    cast(document_id as varchar)          as document_id,
    cast(node_id as varchar)              as node_id,
    cast(table_no as integer)             as table_no,
    cast(row_no as integer)               as row_no,
    cast(category as varchar)             as category,
    cast(direction as varchar)            as direction,
    cast(label_printed as varchar)        as label_printed,
    cast(budget_raw as varchar)           as budget_raw,
    cast(actual_raw as varchar)           as actual_raw,
    cast(execution_pct_raw as varchar)    as execution_pct_raw,
    cast(actual_prev_raw as varchar)      as actual_prev_raw,
    cast(change_pct_raw as varchar)       as change_pct_raw,
    cast(budget as bigint)                as budget_eur,
    cast(actual as bigint)                as actual_eur,
    cast(execution_pct as decimal(12, 1)) as execution_pct_printed,
    cast(actual_prev as bigint)           as actual_prev_eur,
    cast(change_pct as decimal(12, 1))    as change_pct_printed,
    cast(year as integer)                 as fiscal_year,
    cast(previous_year as integer)        as previous_fiscal_year,
    cast(page as integer)                 as page,
    cast(line as integer)                 as line,
    cast(raw_text as varchar)             as raw_text
from {{ source('gent', 'budget_lines') }}
