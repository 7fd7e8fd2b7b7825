{{ config(alias='narrative_per_goal') }}
{{ bi_narrative_with_amounts(['g.goal_key', 'g.goal_code', 'g.goal_title'], 'goal_key', ['goal']) }}
