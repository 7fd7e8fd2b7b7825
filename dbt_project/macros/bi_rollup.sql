{#- One shape for every BI view: a fact rolled up to a grain, Dutch labels next to the codes,
    the rates derived from the summed printed values and, apart, with the imputed cells (both
    labelled as derived in the docs), and the entity a lost-header leaf was imputed to. -#}

{% macro dutch_label(column, labels) -%}
    case {{ column }}
    {%- for code, label in labels.items() %}
        when '{{ code }}' then '{{ label }}'
    {%- endfor %}
    end
{%- endmacro %}

{#- A lost-header leaf counts under the entity imputed to it (flagged in the view); only a leaf
    whose entity could not be inferred stays under the unknown member. -#}
{% macro bi_entity_columns() -%}
    bool_or(f.entity_code_imputed is not null) as is_entity_imputed,
    string_agg(distinct f.entity_imputation_method, ', ' order by f.entity_imputation_method) as entity_imputation_method
{%- endmacro %}

{% macro bi_entity_join() -%}
join {{ ref('dim_entity') }} e
    on e.entity_code = case when f.entity_code = 'unknown' then coalesce(f.entity_code_imputed, 'unknown') else f.entity_code end
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
    {{ percentage_of('sum(f.actual_eur)', 'sum(f.budget_eur)') }} as execution_rate_pct,
    sum(coalesce(f.budget_eur, f.budget_eur_imputed)) as budget_with_imputed_eur,
    sum(coalesce(f.actual_eur, f.actual_eur_imputed)) as actual_with_imputed_eur,
    {{ percentage_of(
        'sum(coalesce(f.actual_eur, f.actual_eur_imputed))', 'sum(coalesce(f.budget_eur, f.budget_eur_imputed))'
    ) }} as execution_rate_with_imputed_pct,
    sum(case when f.is_intra_group then 0 else f.actual_eur end) as actual_excl_intra_group_eur,
    count(*) filter (where f.actual_eur is null) as unprinted_actual_cells,
    {{ bi_entity_columns() }},
    count(distinct f.document_id) as document_count
from {{ ref('fct_spending') }} f
{{ bi_entity_join() }}
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
    {{ percentage_of('sum(f.paid_fte)', 'sum(f.plan_fte)') }} as paid_vs_planned_pct,
    string_agg(distinct f.fte_null_reason, ', ') as fte_null_reason,
    {{ bi_entity_columns() }},
    count(distinct f.document_id) as document_count
from {{ ref('fct_staffing') }} f
{{ bi_entity_join() }}
join {{ ref('dim_action') }} a using (action_key)
left join {{ ref('dim_action_plan') }} p on p.action_plan_key = f.action_plan_key
left join {{ ref('dim_policy_goal') }} g on g.goal_key = f.goal_key
left join {{ ref('dim_service') }} s on s.service_key = f.service_key
group by all
{%- endmacro %}

{#- The report's words next to its numbers: every paragraph of the blocks of one level with the
    amounts of that goal, plan or conformed action in the text's fiscal year (fct_spending summed
    over the entities, so the same totals as the spending views). -#}
{% macro bi_narrative_with_amounts(grain, key, node_levels) -%}
with

amounts as (
    select
        {{ key }},
        fiscal_year,
        sum(budget_eur) filter (where category = 'exploitatie' and direction = 'uitgaven') as operating_expenditure_budget_eur,
        sum(actual_eur) filter (where category = 'exploitatie' and direction = 'uitgaven') as operating_expenditure_actual_eur,
        sum(budget_eur) filter (where category = 'investering' and direction = 'uitgaven') as investment_expenditure_budget_eur,
        sum(actual_eur) filter (where category = 'investering' and direction = 'uitgaven') as investment_expenditure_actual_eur
    from {{ ref('fct_spending') }}
    group by all
)

select
    {{ grain | join(',\n    ') }},
    n.fiscal_year,
    n.text_section,
    n.sectie,
    n.section_seq,
    n.paragraph_no,
    n.paragraph_text,
    d.file_name,
    n.page,
    n.line,
    am.operating_expenditure_budget_eur,
    am.operating_expenditure_actual_eur,
    {{ percentage_of('am.operating_expenditure_actual_eur', 'am.operating_expenditure_budget_eur') }} as operating_execution_rate_pct,
    am.investment_expenditure_budget_eur,
    am.investment_expenditure_actual_eur,
    n.narrative_key
from {{ ref('fct_narrative') }} n
join {{ ref('dim_document') }} d using (document_key)
left join {{ ref('dim_action') }} a on a.action_key = n.action_key
left join {{ ref('dim_action_plan') }} p on p.action_plan_key = n.action_plan_key
left join {{ ref('dim_policy_goal') }} g on g.goal_key = n.goal_key
left join amounts am
    on am.{{ key }} = n.{{ key }}
    and am.fiscal_year = n.fiscal_year
where n.node_level in ('{{ node_levels | join("', '") }}')
{%- endmacro %}
