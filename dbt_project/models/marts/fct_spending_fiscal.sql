-- The leaf amounts of fct_spending in the shape of a Fiscal Data Package: one row per leaf ×
-- entity × category × fiscal year *of the amount*, one column per direction and phase, so that
-- every measure has one direction, one phase and its own fiscal year. A report's previous-year
-- actuals (Jaarrekening Y-1) become rows of year Y-1 instead of columns of year Y. Printed
-- values only (imputed cells and intra-group flags stay in fct_spending).
-- depends_on: {{ ref('int_policy_nodes_joined_to_tree') }}, {{ ref('int_services_normalised') }} (stale service keys)
with

spending as (
    select * from {{ ref('fct_spending') }}
    where {{ documents_to_build(also=documents_with_stale_service_keys()) }}
),

amounts as (
    select
        document_key, action_key, entity_key, action_plan_key, goal_key, service_key,
        document_id, node_id, leaf_code, entity_code, action_plan_code, goal_code, category, direction,
        fiscal_year, 'report_year' as amount_column, budget_eur, actual_eur, page, line
    from spending
    union all
    -- District09's 2021 previous-year columns are printed 0 but mean "not applicable": left out
    select
        document_key, action_key, entity_key, action_plan_key, goal_key, service_key,
        document_id, node_id, leaf_code, entity_code, action_plan_code, goal_code, category, direction,
        previous_fiscal_year, 'previous_year', null, actual_prev_eur, page, line
    from spending
    where is_prev_year_applicable
)

select
    {{ surrogate_key(['document_id', 'node_id', 'category', 'fiscal_year']) }} as fiscal_spending_key,
    document_key,
    action_key,
    entity_key,
    action_plan_key,
    goal_key,
    service_key,
    document_id,
    node_id,
    leaf_code,
    entity_code,
    action_plan_code,
    goal_code,
    category,
    cast(fiscal_year as integer) as fiscal_year,
    amount_column,
    cast(max(budget_eur) filter (where direction = 'uitgaven') as bigint) as expenditure_budget_eur,
    cast(max(actual_eur) filter (where direction = 'uitgaven') as bigint) as expenditure_actual_eur,
    cast(max(budget_eur) filter (where direction = 'ontvangsten') as bigint) as revenue_budget_eur,
    cast(max(actual_eur) filter (where direction = 'ontvangsten') as bigint) as revenue_actual_eur,
    cast(min(page) as integer) as page,
    cast(min(line) as integer) as line
from amounts
group by all
