-- Conservation: every bi spending view (per goal, plan, action, service, entity) adds up, per
-- fiscal year, category and direction, to fct_spending: printed budget and actual, the totals
-- with imputed cells and the applicable previous-year actuals. A view that drops or repeats a
-- leaf row (a join fanning out, a lost-header leaf lost on the way) fails here.
{{ config(meta={'dagster': {'ref': {'name': 'bi_spending_per_goal'}}}) }}
{{ views_conserve_mart(
    views=['bi_spending_per_goal', 'bi_spending_per_action_plan', 'bi_spending_per_action',
           'bi_spending_per_service', 'bi_spending_per_entity'],
    mart='fct_spending',
    keys=['fiscal_year', 'category', 'direction'],
    measures={
        'budget': ['sum(budget_eur)', 'sum(budget_eur)'],
        'actual': ['sum(actual_eur)', 'sum(actual_eur)'],
        'budget_with_imputed': ['sum(coalesce(budget_eur, budget_eur_imputed))', 'sum(budget_with_imputed_eur)'],
        'actual_with_imputed': ['sum(coalesce(actual_eur, actual_eur_imputed))', 'sum(actual_with_imputed_eur)'],
        'actual_prev': ['sum(actual_prev_eur) filter (where is_prev_year_applicable)', 'sum(actual_prev_eur)'],
    }
) }}
