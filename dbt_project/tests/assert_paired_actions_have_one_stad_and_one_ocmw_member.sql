-- A conformed Stad/OCMW pair has, in each report, exactly one Stad leaf and one OCMW leaf of the
-- same level under the same plan; an unpaired conformed action has one leaf per report.
-- a Dagster asset check on the model it guards (the test reads several)
{{ config(meta={'dagster': {'ref': {'name': 'int_actions_paired'}}}) }}
with

members as (
    select
        p.action_nk,
        p.document_id,
        count(*) as n_leaves,
        count(*) filter (where p.entity_code = 'stad') as n_stad,
        count(*) filter (where p.entity_code = 'ocmw') as n_ocmw,
        count(distinct t.plan_node_id) as n_plans,
        count(distinct t.node_level) as n_levels,
        bool_or(p.is_paired) as is_paired
    from {{ ref('int_actions_paired') }} as p
    inner join {{ ref('int_policy_nodes_joined_to_tree') }} as t
        on t.document_id = p.document_id
        and t.node_id = p.node_id
    group by all
)

select *
from members
where (is_paired and not (n_leaves = 2 and n_stad = 1 and n_ocmw = 1 and n_plans = 1 and n_levels = 1))
    or (not is_paired and n_leaves <> 1)
