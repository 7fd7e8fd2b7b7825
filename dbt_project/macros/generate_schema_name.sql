{#- Schemas are exactly the configured names (staging, intermediate, marts), never prefixed
    with the target schema (main_staging …). Without a custom schema the target schema is used. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
