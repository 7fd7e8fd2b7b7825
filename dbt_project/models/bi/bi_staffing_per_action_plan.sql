{{ config(alias='staffing_per_action_plan') }}
{{ bi_staffing_rollup(['p.action_plan_code', 'p.action_plan_title', 'g.goal_code']) }}
