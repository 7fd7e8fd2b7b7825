{#- Stable surrogate key: md5 of the natural-key columns, cast to text, '|'-separated,
    with a sentinel for null so that (null, 'a') and ('', 'a') differ. No dbt_utils needed. -#}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('|'
    {%- for column in columns %},
        coalesce(cast({{ column }} as varchar), '_dbt_null_')
    {%- endfor %}
    ))
{%- endmacro %}
