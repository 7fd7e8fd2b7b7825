-- One row per staffing table ("Onderbouwing personeel"): the single VTE row.
select
    cast(document_id as varchar)          as document_id,
    cast(node_id as varchar)              as node_id,
    cast(table_no as integer)             as table_no,
    cast(plan_raw as varchar)             as plan_raw,
    cast(paid_raw as varchar)             as paid_raw,
    cast(paid_pct_raw as varchar)         as paid_pct_raw,
    cast(paid_prev_raw as varchar)        as paid_prev_raw,
    cast(change_pct_raw as varchar)       as change_pct_raw,
    cast(plan_fte as decimal(12, 2))      as plan_fte,
    cast(paid_fte as decimal(12, 2))      as paid_fte,
    cast(paid_pct as decimal(12, 1))      as paid_pct_printed,
    cast(paid_prev_fte as decimal(12, 2)) as paid_prev_fte,
    cast(change_pct as decimal(12, 1))    as change_pct_printed,
    cast(year as integer)                 as fiscal_year,
    cast(previous_year as integer)        as previous_fiscal_year,
    cast(page as integer)                 as page,
    cast(line as integer)                 as line,
    cast(raw_text as varchar)             as raw_text
from {{ source('gent', 'staffing_lines') }}
