-- Conservation: every bi staffing view (per goal, plan, action, service, entity) adds up, per
-- fiscal year, to fct_staffing's planned, paid and previous-year paid FTE.
{{ config(meta={'dagster': {'ref': {'name': 'bi_staffing_per_goal'}}}) }}
{% set views = ['bi_staffing_per_goal', 'bi_staffing_per_action_plan', 'bi_staffing_per_action',
                'bi_staffing_per_service', 'bi_staffing_per_entity'] %}
with

mart as (
    select fiscal_year, sum(plan_fte) as planned, sum(paid_fte) as paid, sum(paid_prev_fte) as paid_prev
    from {{ ref('fct_staffing') }}
    group by all
),

views as (
    {% for view in views %}
    select '{{ view }}' as view_name, fiscal_year,
        sum(planned_fte) as planned, sum(paid_fte) as paid, sum(paid_prev_fte) as paid_prev
    from {{ ref(view) }}
    group by all
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

names as (
    {% for view in views %}
    select '{{ view }}' as view_name{% if not loop.last %} union all{% endif %}
    {% endfor %}
),

expected as (
    select n.view_name, m.* from names as n cross join mart as m
)

select e.*, v.planned as view_planned, v.paid as view_paid, v.paid_prev as view_paid_prev
from expected as e
full outer join views as v
    on v.view_name = e.view_name
    and v.fiscal_year = e.fiscal_year
where e.view_name is null
    or v.view_name is null
    or e.planned is distinct from v.planned
    or e.paid is distinct from v.paid
    or e.paid_prev is distinct from v.paid_prev
