-- Conservation: every bi spending view (per goal, plan, action, service, entity) adds up, per
-- fiscal year, category and direction, to fct_spending: printed budget and actual, the totals
-- with imputed cells and the applicable previous-year actuals. A view that drops or repeats a
-- leaf row (a join fanning out, a lost-header leaf lost on the way) fails here.
{{ config(meta={'dagster': {'ref': {'name': 'bi_spending_per_goal'}}}) }}
{% set views = ['bi_spending_per_goal', 'bi_spending_per_action_plan', 'bi_spending_per_action',
                'bi_spending_per_service', 'bi_spending_per_entity'] %}
with

mart as (
    select
        fiscal_year, category, direction,
        sum(budget_eur) as budget,
        sum(actual_eur) as actual,
        sum(coalesce(budget_eur, budget_eur_imputed)) as budget_with_imputed,
        sum(coalesce(actual_eur, actual_eur_imputed)) as actual_with_imputed,
        sum(actual_prev_eur) filter (where is_prev_year_applicable) as actual_prev
    from {{ ref('fct_spending') }}
    group by all
),

views as (
    {% for view in views %}
    select
        '{{ view }}' as view_name, fiscal_year, category, direction,
        sum(budget_eur) as budget,
        sum(actual_eur) as actual,
        sum(budget_with_imputed_eur) as budget_with_imputed,
        sum(actual_with_imputed_eur) as actual_with_imputed,
        sum(actual_prev_eur) as actual_prev
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

select e.*, v.budget as view_budget, v.actual as view_actual, v.actual_prev as view_actual_prev
from expected as e
full outer join views as v
    on v.view_name = e.view_name
    and v.fiscal_year = e.fiscal_year
    and v.category = e.category
    and v.direction = e.direction
where e.view_name is null
    or v.view_name is null
    or e.budget is distinct from v.budget
    or e.actual is distinct from v.actual
    or e.budget_with_imputed is distinct from v.budget_with_imputed
    or e.actual_with_imputed is distinct from v.actual_with_imputed
    or e.actual_prev is distinct from v.actual_prev
