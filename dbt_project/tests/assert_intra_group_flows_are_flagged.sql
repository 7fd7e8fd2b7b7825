-- Every intra-group flow of the seed that is present in the warehouse is flagged, and no
-- revenue row is flagged by the title rule (which only applies to expenditure).
-- a Dagster asset check on the model it guards (the test reads several)
{{ config(meta={'dagster': {'ref': {'name': 'fct_spending'}}}) }}
select 'seed flow not flagged' as failure, f.document_id, f.node_id, f.category, f.direction
from {{ ref('fct_spending') }} as f
inner join {{ ref('intra_group_flows') }} as s
    on s.entity_code = f.entity_code
    and s.node_code = f.leaf_code
    and s.direction = f.direction
where not f.is_intra_group
union all
select 'title rule on revenue', document_id, node_id, category, direction
from {{ ref('fct_spending') }}
where intra_group_rule = 'title_names_group_entity' and direction <> 'uitgaven'
