{{ config(alias='spending_per_entity') }}
{{ bi_spending_rollup(['e.entity_code']) }}
