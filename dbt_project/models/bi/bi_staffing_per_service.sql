{{ config(alias='staffing_per_service') }}
{{ bi_staffing_rollup(['s.service_name']) }}
