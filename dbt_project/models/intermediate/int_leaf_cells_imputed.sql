-- Imputed values for leaf budget cells that were not printed (value_printed is null). Printed
-- values are never touched: this model only holds the derived values, with their method.
--   parent_minus_printed_siblings: printed plan cell − Σ printed cells of the other leaves of the
--     plan, when this is the only unprinted leaf cell of that plan × metric (exact up to rounding
--     and up to any real gap of the plan);
--   budget_times_printed_pct: for an actual, budget × printed execution % (approximate, ±0.05 %
--     of the budget), used only when the first method is not possible.
-- is_confirmed_by_printed_pct tells whether the imputed actual reproduces the printed percentage.
with

cells as (
    select * from {{ ref('int_printed_cells_unpivoted') }}
    where unit = 'EUR'
        and {{ documents_to_build() }}
),

leaf_cells as (
    select * from cells
    where node_level in ('action', 'project')
),

missing as (
    select * from leaf_cells
    where value_printed is null
),

siblings as (
    select
        document_id, parent_node_id, metric, category, direction,
        sum(value_printed) as printed_sum,
        count(*) filter (where value_printed is null) as unprinted_count
    from leaf_cells
    group by all
),

budget_lines as (
    select document_id, node_id, category, direction, budget_eur, execution_pct_printed
    from {{ ref('stg_gent__budget_lines') }}
),

imputed as (
    select
        m.document_id,
        m.node_id,
        m.metric,
        m.category,
        m.direction,
        case
            when s.unprinted_count = 1 and parent.value_printed is not null
                then cast(parent.value_printed - coalesce(s.printed_sum, 0) as bigint)
            when m.metric = 'actual' and b.budget_eur is not null and b.execution_pct_printed is not null
                then cast(round(b.budget_eur * b.execution_pct_printed / 100) as bigint)
        end as value_imputed,
        case
            when s.unprinted_count = 1 and parent.value_printed is not null then 'parent_minus_printed_siblings'
            when
                m.metric = 'actual' and b.budget_eur is not null and b.execution_pct_printed is not null
                then 'budget_times_printed_pct'
        end as imputation_method,
        b.budget_eur,
        b.execution_pct_printed
    from missing as m
    inner join siblings as s
        on s.document_id = m.document_id
        and s.parent_node_id = m.parent_node_id
        and s.metric = m.metric
        and s.category = m.category
        and s.direction = m.direction
    left join cells as parent
        on parent.document_id = m.document_id
        and parent.node_id = m.parent_node_id
        and parent.metric = m.metric
        and parent.category = m.category
        and parent.direction = m.direction
    left join budget_lines as b
        on b.document_id = m.document_id
        and b.node_id = m.node_id
        and b.category = m.category
        and b.direction = m.direction
)

select
    document_id,
    node_id,
    metric,
    category,
    direction,
    value_imputed,
    imputation_method,
    case
        when metric <> 'actual' or value_imputed is null or execution_pct_printed is null then null
        when budget_eur = 0 then execution_pct_printed = 0
        else round(value_imputed * 100.0 / budget_eur, 1) = execution_pct_printed
    end as is_confirmed_by_printed_pct
from imputed
where value_imputed is not null
