{{ config(alias='narrative_per_action') }}
{{ bi_narrative_with_amounts(
    ['a.action_key', 'a.codes', 'n.node_code as leaf_code', 'a.title_printed as action_title', 'a.leaf_level',
     'n.action_plan_code'],
    'action_key', ['action', 'project']
) }}
