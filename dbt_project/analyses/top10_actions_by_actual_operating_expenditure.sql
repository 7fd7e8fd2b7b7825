-- Top 10 conformed actions (and projects) by actual operating expenditure (exploitatie uitgaven,
-- jaarrekening) in one fiscal year (var example_fiscal_year, default 2024), from the marts alone.
-- A Stad/OCMW pair counts once, with the amounts of both entities added; the split is shown.
with

per_action as (
    select
        f.action_key,
        f.fiscal_year,
        sum(f.actual_eur) as actual_eur,
        sum(case when f.entity_code = 'stad' then f.actual_eur end) as actual_eur_stad,
        sum(case when f.entity_code = 'ocmw' then f.actual_eur end) as actual_eur_ocmw,
        sum(case when f.entity_code = 'district09' then f.actual_eur end) as actual_eur_district09,
        sum(f.budget_eur) as budget_eur,
        bool_or(f.is_intra_group) as is_intra_group,
        count(*) filter (where f.actual_eur is null) as unprinted_cells
    from {{ ref('fct_spending') }} as f
    where f.category = 'exploitatie'
        and f.direction = 'uitgaven'
        and f.fiscal_year = {{ var("example_fiscal_year", 2024) }}
    group by all
)

select
    row_number() over (order by p.actual_eur desc nulls last, a.codes asc) as rank,
    a.codes,
    a.title_printed,
    a.entity_codes,
    a.match_method,
    a.action_plan_code,
    s.service_name,
    p.fiscal_year,
    p.actual_eur,
    p.actual_eur_stad,
    p.actual_eur_ocmw,
    p.actual_eur_district09,
    p.budget_eur,
    round(100.0 * p.actual_eur / nullif(p.budget_eur, 0), 1) as execution_pct,
    p.is_intra_group,
    p.unprinted_cells
from per_action as p
inner join {{ ref('dim_action') }} as a
    on a.action_key = p.action_key
inner join {{ ref('dim_service') }} as s
    on s.service_key = a.service_key
order by rank
limit 10
