-- Every paragraph of fct_narrative is in exactly one bi narrative view (goal, plan or action
-- level), once: no text lost or repeated by the joins to the dimensions and amounts.
{{ config(meta={'dagster': {'ref': {'name': 'bi_narrative_per_action'}}}) }}
with

listed as (
    select narrative_key from {{ ref('bi_narrative_per_goal') }}
    union all
    select narrative_key from {{ ref('bi_narrative_per_action_plan') }}
    union all
    select narrative_key from {{ ref('bi_narrative_per_action') }}
),

counted as (
    select narrative_key, count(*) as n_listed from listed
    group by all
)

select m.narrative_key, coalesce(c.n_listed, 0) as n_listed
from {{ ref('fct_narrative') }} as m
full outer join counted as c
    on c.narrative_key = m.narrative_key
where m.narrative_key is null or c.n_listed is distinct from 1
