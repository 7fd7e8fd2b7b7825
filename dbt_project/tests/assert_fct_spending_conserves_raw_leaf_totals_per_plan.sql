-- Conservation: per document × action plan × category × direction, the totals of fct_spending
-- equal the totals of the raw leaf rows (actions and projects, lost headers included), to the euro.
-- Returns the plans where any of budget, actual, actual_prev differs.
-- a Dagster asset check on the model it guards (the test reads several)
{{ config(meta={'dagster': {'ref': {'name': 'fct_spending'}}}) }}
with

raw_leaves as (
    select
        b.document_id,
        n.parent_node_id as plan_node_id,
        b.category,
        b.direction,
        sum(b.budget) as budget,
        sum(b.actual) as actual,
        sum(b.actual_prev) as actual_prev,
        count(*) as n_rows
    from {{ source('gent', 'budget_lines') }} as b
    inner join {{ source('gent', 'nodes') }} as n
        on n.document_id = b.document_id
        and n.node_id = b.node_id
    where n.level in ('action', 'project')
    group by all
),

plans as (
    select document_id, node_id as plan_node_id, code as action_plan_code
    from {{ source('gent', 'nodes') }}
    where level = 'action_plan'
),

mart as (
    select
        document_id,
        action_plan_code,
        category,
        direction,
        sum(budget_eur) as budget,
        sum(actual_eur) as actual,
        sum(actual_prev_eur) as actual_prev,
        count(*) as n_rows
    from {{ ref('fct_spending') }}
    group by all
),

expected as (
    select
        p.action_plan_code,
        r.* exclude (plan_node_id)  -- noqa: RF02
    from raw_leaves as r
    inner join plans as p
        on p.document_id = r.document_id
        and p.plan_node_id = r.plan_node_id
)

{{ totals_that_differ(
    'expected',
    'mart',
    ['document_id', 'action_plan_code', 'category', 'direction'],
    ['n_rows', 'budget', 'actual', 'actual_prev']
) }}
