-- Every printed staffing table (Onderbouwing personeel) at every level (goal, action plan, leaf),
-- exactly as printed. NOT additive across levels. Recomputed percentages are separate columns.
with

staffing as (
    select * from {{ ref('stg_gent__staffing_lines') }}
    where {{ documents_to_build() }}
),

tree as (
    select * from {{ ref('int_policy_nodes_joined_to_tree') }}
),

paired as (
    select document_id, node_id, action_nk from {{ ref('int_actions_paired') }}
)

select
    {{ surrogate_key(['s.document_id', 's.node_id']) }} as reported_staffing_key,
    {{ fact_keys(
        's.document_id',
        't.goal_code',
        't.action_plan_code',
        action_nk='p.action_nk',
        entity='t.entity_code',
        leaf='t.is_leaf'
    ) }},
    s.document_id,
    s.node_id,
    t.node_code,
    t.node_level,
    t.level_no,
    t.node_path,
    t.goal_code,
    t.action_plan_code,
    t.entity_code,
    s.fiscal_year,
    s.previous_fiscal_year,
    s.plan_raw,
    s.paid_raw,
    s.paid_pct_raw,
    s.paid_prev_raw,
    s.change_pct_raw,
    s.plan_fte,
    s.paid_fte,
    s.paid_pct_printed,
    s.paid_prev_fte,
    s.change_pct_printed,
    case
        when s.plan_fte is null or s.paid_fte is null then null
        when s.plan_fte = 0 then cast(0 as decimal(18, 1))
        else cast(round(s.paid_fte * 100.0 / s.plan_fte, 1) as decimal(18, 1))
    end as paid_pct_recomputed,
    case
        when s.paid_prev_fte is null or s.paid_fte is null then null
        when s.paid_prev_fte = 0 then cast(0 as decimal(18, 1))
        else cast(round(s.paid_fte * 100.0 / s.paid_prev_fte, 1) as decimal(18, 1))
    end as change_pct_recomputed,
    {{ pct_consistent('s.paid_pct_printed', 's.paid_fte', 's.plan_fte', 0.01) }} as is_paid_pct_consistent,
    {{ pct_consistent('s.change_pct_printed', 's.paid_fte', 's.paid_prev_fte', 0.01) }} as is_change_pct_consistent,
    s.table_no,
    s.page,
    s.line,
    s.raw_text
from staffing as s
inner join tree as t
    on t.document_id = s.document_id
    and t.node_id = s.node_id
left join paired as p
    on p.document_id = s.document_id
    and p.node_id = s.node_id
