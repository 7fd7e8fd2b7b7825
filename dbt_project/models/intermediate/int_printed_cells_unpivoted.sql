-- Every printed cell of every budget and staffing table, one row per node × metric, with its
-- position in the tree. Metrics: budget, actual, actual_prev (euro, per category × direction)
-- and plan_fte, paid_fte, paid_prev_fte (VTE). value_printed is null when the cell was not printed.
with

tree as (
    select document_id, node_id, node_level, parent_node_id, plan_node_id, goal_node_id
    from {{ ref('int_policy_nodes_joined_to_tree') }}
),

budget as (
    select * from {{ ref('stg_gent__budget_lines') }}
    where {{ documents_to_build() }}
),

staffing as (
    select * from {{ ref('stg_gent__staffing_lines') }}
    where {{ documents_to_build() }}
),

cells as (
    {%- for metric, value, raw in [
        ('budget', 'budget_eur', 'budget_raw'),
        ('actual', 'actual_eur', 'actual_raw'),
        ('actual_prev', 'actual_prev_eur', 'actual_prev_raw'),
    ] %}
        select
            document_id, node_id, '{{ metric }}' as metric, category, direction, 'EUR' as unit,
            cast({{ value }} as decimal(18, 2)) as value_printed, {{ raw }} as value_raw,
            {% if metric == 'actual_prev' %}previous_fiscal_year{% else %}fiscal_year{% endif %} as value_year,
            table_no, row_no, page, line
        from budget
        union all
    {%- endfor %}
    {%- for metric, value, raw in [
        ('plan_fte', 'plan_fte', 'plan_raw'),
        ('paid_fte', 'paid_fte', 'paid_raw'),
        ('paid_prev_fte', 'paid_prev_fte', 'paid_prev_raw'),
    ] %}
        select
            document_id, node_id, '{{ metric }}' as metric, 'personeel' as category, 'vte' as direction, 'FTE' as unit,
            cast({{ value }} as decimal(18, 2)) as value_printed, {{ raw }} as value_raw,
            {% if metric == 'paid_prev_fte' %}previous_fiscal_year{% else %}fiscal_year{% endif %} as value_year,
            table_no, 1 as row_no, page, line
        from staffing
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    c.document_id,
    c.node_id,
    t.node_level,
    t.parent_node_id,
    t.plan_node_id,
    t.goal_node_id,
    c.metric,
    c.category,
    c.direction,
    c.unit,
    c.value_printed,
    c.value_raw,
    cast(c.value_year as integer) as value_year,
    c.table_no,
    cast(c.row_no as integer) as row_no,
    c.page,
    c.line
from cells as c
inner join tree as t
    on t.document_id = c.document_id
    and t.node_id = c.node_id
