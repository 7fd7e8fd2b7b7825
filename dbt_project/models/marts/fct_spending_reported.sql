-- Every printed budget table at every level (goal, action plan, leaf), one row per printed row,
-- exactly as printed (strings and parsed values). NOT additive across levels: a plan row already
-- contains its leaves. Derived values are separate, labelled columns: the percentages recomputed
-- from the printed amounts and whether they agree with the printed percentages.
with

lines as (
    select * from {{ ref('stg_gent__budget_lines') }}
    where {{ documents_to_build() }}
),

tree as (
    select * from {{ ref('int_policy_nodes_joined_to_tree') }}
),

paired as (
    select document_id, node_id, action_nk from {{ ref('int_actions_paired') }}
),

recomputed as (
    select
        l.*,
        case
            when l.budget_eur is null or l.actual_eur is null then null
            when l.budget_eur = 0 then cast(0 as decimal(18, 1))
            else cast(round(l.actual_eur * 100.0 / l.budget_eur, 1) as decimal(18, 1))
        end as execution_pct_recomputed,
        case
            when l.actual_prev_eur is null or l.actual_eur is null then null
            when l.actual_prev_eur = 0 then cast(0 as decimal(18, 1))
            else cast(round(l.actual_eur * 100.0 / l.actual_prev_eur, 1) as decimal(18, 1))
        end as change_pct_recomputed
    from lines as l
)

select
    {{ surrogate_key(['r.document_id', 'r.node_id', 'r.category', 'r.direction']) }} as reported_spending_key,
    {{ fact_keys(
        'r.document_id',
        't.goal_code',
        't.action_plan_code',
        action_nk='p.action_nk',
        entity='t.entity_code',
        leaf='t.is_leaf'
    ) }},
    r.document_id,
    r.node_id,
    t.node_code,
    t.node_level,
    t.level_no,
    t.node_path,
    t.goal_code,
    t.action_plan_code,
    t.entity_code,
    r.fiscal_year,
    r.previous_fiscal_year,
    r.category,
    r.direction,
    r.label_printed,
    r.budget_raw,
    r.actual_raw,
    r.execution_pct_raw,
    r.actual_prev_raw,
    r.change_pct_raw,
    r.budget_eur,
    r.actual_eur,
    r.execution_pct_printed,
    r.actual_prev_eur,
    r.change_pct_printed,
    r.execution_pct_recomputed,
    r.change_pct_recomputed,
    {{ pct_consistent('r.execution_pct_printed', 'r.actual_eur', 'r.budget_eur', 1) }} as is_execution_pct_consistent,
    {{ pct_consistent('r.change_pct_printed', 'r.actual_eur', 'r.actual_prev_eur', 1) }} as is_change_pct_consistent,
    t.layout <> 'district09' as is_prev_year_applicable,
    r.table_no,
    r.row_no,
    r.page,
    r.line,
    r.raw_text
from recomputed as r
inner join tree as t
    on t.document_id = r.document_id
    and t.node_id = r.node_id
left join paired as p
    on p.document_id = r.document_id
    and p.node_id = r.node_id
