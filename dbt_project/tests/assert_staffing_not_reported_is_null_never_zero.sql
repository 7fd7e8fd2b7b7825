-- A report without staffing tables gives null VTE with reason not_reported, never 0; a report with
-- staffing tables never says not_reported.
-- a Dagster asset check on the model it guards (the test reads several)
{{ config(meta={'dagster': {'ref': {'name': 'fct_staffing'}}}) }}
select f.*
from {{ ref('fct_staffing') }} as f
inner join {{ ref('dim_document') }} as d
    on d.document_key = f.document_key
where (
    not d.has_staffing_tables
    and (
        f.plan_fte is not null or f.paid_fte is not null or f.paid_prev_fte is not null
        or f.fte_null_reason is distinct from 'not_reported'
    )
)
or (d.has_staffing_tables and f.fte_null_reason = 'not_reported')
