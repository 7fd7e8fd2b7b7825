{{ config(alias='staffing_per_entity') }}
{{ bi_staffing_rollup(['e.entity_code']) }}
