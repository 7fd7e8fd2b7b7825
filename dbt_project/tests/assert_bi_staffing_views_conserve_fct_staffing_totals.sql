-- Conservation: every bi staffing view (per goal, plan, action, service, entity) adds up, per
-- fiscal year, to fct_staffing's planned, paid and previous-year paid FTE.
{{ config(meta={'dagster': {'ref': {'name': 'bi_staffing_per_goal'}}}) }}
{{ views_conserve_mart(
    views=['bi_staffing_per_goal', 'bi_staffing_per_action_plan', 'bi_staffing_per_action',
           'bi_staffing_per_service', 'bi_staffing_per_entity'],
    mart='fct_staffing',
    keys=['fiscal_year'],
    measures={
        'planned': ['sum(plan_fte)', 'sum(planned_fte)'],
        'paid': ['sum(paid_fte)', 'sum(paid_fte)'],
        'paid_prev': ['sum(paid_prev_fte)', 'sum(paid_prev_fte)'],
    }
) }}
