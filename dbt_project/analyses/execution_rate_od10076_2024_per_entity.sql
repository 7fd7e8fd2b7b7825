-- Execution rate (% besteding budget) of action plan OD10076 in fiscal year 2024, per entity and
-- category × direction, from the marts alone. Printed leaf amounts are summed per entity; the
-- `with_imputed` columns add imputed values for cells that were not printed. Leaves whose header
-- was lost appear under the entity `unknown`. Parameters: vars example_action_plan_code and
-- example_fiscal_year (defaults OD10076, 2024).
select
    p.action_plan_code,
    p.action_plan_title,
    f.fiscal_year,
    e.entity_code,
    e.entity_name,
    f.category,
    f.direction,
    count(*) as leaf_rows,
    sum(f.budget_eur) as budget_eur,
    sum(f.actual_eur) as actual_eur,
    round(100.0 * sum(f.actual_eur) / nullif(sum(f.budget_eur), 0), 1) as execution_pct,
    sum(coalesce(f.actual_eur, f.actual_eur_imputed)) as actual_eur_with_imputed,
    round(100.0 * sum(coalesce(f.actual_eur, f.actual_eur_imputed)) / nullif(sum(f.budget_eur), 0), 1)
        as execution_pct_with_imputed,
    sum(case when f.is_intra_group then f.actual_eur else 0 end) as intra_group_actual_eur
from {{ ref('fct_spending') }} as f
inner join {{ ref('dim_action_plan') }} as p
    on p.action_plan_key = f.action_plan_key
inner join {{ ref('dim_entity') }} as e
    on e.entity_key = f.entity_key
where p.action_plan_code = '{{ var("example_action_plan_code", "OD10076") }}'
    and f.fiscal_year = {{ var("example_fiscal_year", 2024) }}
group by all
order by e.entity_code asc, f.category asc, f.direction desc
