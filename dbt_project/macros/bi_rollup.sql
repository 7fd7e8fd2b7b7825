{#- One shape for every BI view: a fact rolled up to a grain, Dutch labels next to the codes,
    and the rate derived from the summed printed values (labelled as derived in the docs). -#}

{% macro dutch_label(column, labels) -%}
    case {{ column }}
    {%- for code, label in labels.items() %}
        when '{{ code }}' then '{{ label }}'
    {%- endfor %}
    end
{%- endmacro %}

{% macro bi_spending_rollup(grain) -%}
select
    {{ grain | join(',\n    ') }},
    e.entity_name,
    f.fiscal_year,
    f.category,
    {{ dutch_label('f.category', {'exploitatie': 'Exploitatie', 'investering': 'Investering', 'financiering': 'Financiering'}) }} as categorie,
    f.direction,
    {{ dutch_label('f.direction', {'uitgaven': 'Uitgaven', 'ontvangsten': 'Ontvangsten'}) }} as richting,
    sum(f.budget_eur) as budget_eur,
    sum(f.actual_eur) as actual_eur,
    sum(f.actual_prev_eur) filter (where f.is_prev_year_applicable) as actual_prev_eur,
    round(100.0 * sum(f.actual_eur) / nullif(sum(f.budget_eur), 0), 1) as execution_rate_pct,
    sum(case when f.is_intra_group then 0 else f.actual_eur end) as actual_excl_intra_group_eur,
    count(*) filter (where f.actual_eur is null) as unprinted_actual_cells,
    count(distinct f.document_id) as document_count
from {{ ref('fct_spending') }} f
join {{ ref('dim_entity') }} e using (entity_key)
join {{ ref('dim_action') }} a using (action_key)
left join {{ ref('dim_action_plan') }} p on p.action_plan_key = f.action_plan_key
left join {{ ref('dim_policy_goal') }} g on g.goal_key = f.goal_key
left join {{ ref('dim_service') }} s on s.service_key = f.service_key
group by all
{%- endmacro %}

{% macro bi_staffing_rollup(grain) -%}
select
    {{ grain | join(',\n    ') }},
    e.entity_name,
    f.fiscal_year,
    sum(f.plan_fte) as planned_fte,
    sum(f.paid_fte) as paid_fte,
    sum(f.paid_prev_fte) as paid_prev_fte,
    round(100.0 * sum(f.paid_fte) / nullif(sum(f.plan_fte), 0), 1) as paid_vs_planned_pct,
    string_agg(distinct f.fte_null_reason, ', ') as fte_null_reason,
    count(distinct f.document_id) as document_count
from {{ ref('fct_staffing') }} f
join {{ ref('dim_entity') }} e using (entity_key)
join {{ ref('dim_action') }} a using (action_key)
left join {{ ref('dim_action_plan') }} p on p.action_plan_key = f.action_plan_key
left join {{ ref('dim_policy_goal') }} g on g.goal_key = f.goal_key
left join {{ ref('dim_service') }} s on s.service_key = f.service_key
group by all
{%- endmacro %}
