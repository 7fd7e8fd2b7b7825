{{ config(alias='spending_per_service') }}
{{ bi_spending_rollup(['s.service_name']) }}
