-- Conservation: fct_spending_fiscal holds every printed leaf amount of fct_spending once, each
-- under its own fiscal year (budget and actual of year Y, the applicable previous-year actuals
-- under Y-1), per document, category and direction.
{{ config(meta={'dagster': {'ref': {'name': 'fct_spending_fiscal'}}}) }}
with

mart as (
    select document_id, category, direction, fiscal_year, sum(budget_eur) as budget, sum(actual_eur) as actual
    from {{ ref('fct_spending') }}
    group by all
    union all
    select document_id, category, direction, previous_fiscal_year, null, sum(actual_prev_eur)
    from {{ ref('fct_spending') }}
    where is_prev_year_applicable
    group by all
),

fiscal as (
    select
        document_id, category, 'uitgaven' as direction, fiscal_year,
        sum(expenditure_budget_eur) as budget, sum(expenditure_actual_eur) as actual
    from {{ ref('fct_spending_fiscal') }}
    group by all
    union all
    select document_id, category, 'ontvangsten', fiscal_year, sum(revenue_budget_eur), sum(revenue_actual_eur)
    from {{ ref('fct_spending_fiscal') }}
    group by all
)

{{ totals_that_differ(
    'mart',
    'fiscal',
    ['document_id', 'category', 'direction', 'fiscal_year'],
    ['budget', 'actual']
) }}
