{{ config(alias='spending_per_action') }}
{{ bi_spending_rollup(
    ['a.action_key', 'a.codes', 'a.title_printed as action_title', 'a.leaf_level', 's.service_name', 'p.action_plan_code']
) }}
