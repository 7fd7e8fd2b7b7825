{{ config(alias='spending_per_goal') }}
{{ bi_spending_rollup(['g.goal_code', 'g.goal_title']) }}
