-- Every printed percentage agrees with its two printed amounts (up to the rounding of the
-- amounts): a disagreement points at a misread number or a shifted column in the extraction.
-- Severity warn: the report itself is printed as it is, the row is kept and flagged.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_spending_reported'}}}) }}
select document_id, node_id, category, direction, 'budget table' as table_kind, line
from {{ ref('fct_spending_reported') }}
where not is_execution_pct_consistent or not is_change_pct_consistent
union all
select document_id, node_id, null, null, 'staffing table', line
from {{ ref('fct_staffing_reported') }}
where not is_paid_pct_consistent or not is_change_pct_consistent
