{{ config(alias='narrative_per_action_plan') }}
{{ bi_narrative_with_amounts(
    ['p.action_plan_key', 'p.action_plan_code', 'p.action_plan_title', 'n.goal_code'], 'action_plan_key', ['action_plan']
) }}
