-- Every goal and action plan of every report has one reconciliation row per metric.
-- a Dagster asset check on the model it guards (the test reads several)
{{ config(meta={'dagster': {'ref': {'name': 'rpt_reconciliation'}}}) }}
with

parents as (
    select document_id, node_id
    from {{ source('gent', 'nodes') }}
    where level in ('goal', 'action_plan')
),

expected as (
    select p.document_id, p.node_id, m.metric, m.category, m.direction
    from parents as p
    cross join {{ ref('reconciliation_metrics') }} as m
)

select e.*
from expected as e
left join {{ ref('rpt_reconciliation') }} as r
    on r.document_id = e.document_id
    and r.parent_node_id = e.node_id
    and r.metric = e.metric
    and r.category = e.category
    and r.direction = e.direction
where r.document_id is null
