-- Conformed leaf dimension: a leaf × entity × fiscal year is reported by one document only.
-- Two documents reporting the same leaf for the same entity and year (a re-save under another
-- name, a concatenation, an overlapping extract, two editions) would be summed by every mart;
-- the raw asset's identity rule (orchestration/identity.py) refuses the second, this proves it.
-- Lost headers (no leaf code) are left out: their synthetic ids are per document.
{{ config(meta={'dagster': {'ref': {'name': 'fct_spending'}}}) }}
select
    leaf_code,
    entity_code,
    fiscal_year,
    count(distinct document_id) as documents,
    string_agg(distinct document_id, ', ') as document_ids
from {{ ref('fct_spending') }}
where leaf_code is not null
group by all
having count(distinct document_id) > 1
