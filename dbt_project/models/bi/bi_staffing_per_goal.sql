{{ config(alias='staffing_per_goal') }}
{{ bi_staffing_rollup(['g.goal_code', 'g.goal_title']) }}
