{{ config(alias='spending_per_action_plan') }}
{{ bi_spending_rollup(['p.action_plan_code', 'p.action_plan_title', 'g.goal_code']) }}
