-- Additive spending facts at leaf grain: one row per leaf (action or project) × entity ×
-- category × direction × fiscal year, i.e. one row per printed budget row of a leaf table.
-- Only leaves are included, each leaf once: summing never double counts (plan and goal tables
-- are in fct_spending_reported). A Stad/OCMW pair keeps one row per entity under one action_key.
with

leaves as (
    select * from {{ ref('int_policy_nodes_joined_to_tree') }}
    where is_leaf
),

lines as (
    select * from {{ ref('stg_gent__budget_lines') }}
    where {{ documents_to_build(also=documents_with_stale_service_keys()) }}
),

paired as (
    select document_id, node_id, action_nk from {{ ref('int_actions_paired') }}
),

services as (
    select service_printed, service_canonical from {{ ref('int_services_normalised') }}
),

documents as (
    select document_id, is_prev_year_applicable from {{ ref('dim_document') }}
),

imputed as (
    select
        document_id, node_id, category, direction,
        max(case when metric = 'budget' then value_imputed end) as budget_eur_imputed,
        max(case when metric = 'actual' then value_imputed end) as actual_eur_imputed,
        max(case when metric = 'actual_prev' then value_imputed end) as actual_prev_eur_imputed,
        string_agg(
            metric || ': ' || imputation_method
            || case when is_confirmed_by_printed_pct then ' (confirmed by printed %)' else '' end,
            '; ' order by metric
        ) as imputation_method
    from {{ ref('int_leaf_cells_imputed') }}
    group by all
),

entities as (
    select entity_code, name_in_titles from {{ ref('entities') }}
    where is_group_member
),

intra_group_seed as (
    select * from {{ ref('intra_group_flows') }}
),

joined as (
    select
        l.*,
        t.node_code,
        t.node_level,
        t.goal_code,
        t.action_plan_code,
        t.entity_code,
        t.entity_code_imputed,
        t.entity_imputation_method,
        t.title_printed,
        t.service_printed,
        t.is_header_lost,
        t.report_year,
        t.previous_year,
        p.action_nk,
        s.service_canonical,
        d.is_prev_year_applicable,
        i.budget_eur_imputed,
        i.actual_eur_imputed,
        i.actual_prev_eur_imputed,
        i.imputation_method,
        seed.counterparty_entity_code as seed_counterparty,
        title_rule.entity_code as title_counterparty
    from lines as l
    inner join leaves as t
        on t.document_id = l.document_id
        and t.node_id = l.node_id
    inner join paired as p
        on p.document_id = l.document_id
        and p.node_id = l.node_id
    inner join documents as d
        on d.document_id = l.document_id
    left join services as s
        on s.service_printed = t.service_printed
    left join imputed as i
        on i.document_id = l.document_id
        and i.node_id = l.node_id
        and i.category = l.category
        and i.direction = l.direction
    left join intra_group_seed as seed
        on seed.entity_code = t.entity_code
        and seed.node_code = t.node_code
        and seed.direction = l.direction
    -- title rule: an expenditure of one entity on a leaf titled exactly as another group entity
    left join entities as title_rule
        on l.direction = 'uitgaven'
        and title_rule.entity_code <> coalesce(t.entity_code, '')
        and {{ normalise_title('title_rule.name_in_titles') }} = {{ normalise_title('t.title_printed') }}
)

select
    {{ surrogate_key(['document_id', 'node_id', 'category', 'direction']) }} as spending_key,
    {{ fact_keys(
        'document_id',
        'goal_code',
        'action_plan_code',
        action_nk='action_nk',
        entity='entity_code',
        service='service_canonical'
    ) }},
    document_id,
    node_id,
    node_code as leaf_code,
    node_level as leaf_level,
    coalesce(entity_code, 'unknown') as entity_code,
    entity_code_imputed,
    entity_imputation_method,
    action_plan_code,
    goal_code,
    coalesce(fiscal_year, report_year) as fiscal_year,
    coalesce(previous_fiscal_year, previous_year) as previous_fiscal_year,
    category,
    direction,
    budget_eur,
    actual_eur,
    actual_prev_eur,
    budget_eur_imputed,
    actual_eur_imputed,
    actual_prev_eur_imputed,
    imputation_method,
    is_prev_year_applicable,
    coalesce(seed_counterparty, title_counterparty) is not null as is_intra_group,
    coalesce(seed_counterparty, title_counterparty) as intra_group_counterparty_entity_code,
    case
        when seed_counterparty is not null then 'seed_intra_group_flows'
        when title_counterparty is not null then 'title_names_group_entity'
    end as intra_group_rule,
    is_header_lost,
    table_no,
    row_no,
    page,
    line
from joined
