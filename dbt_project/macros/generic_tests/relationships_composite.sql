{#- Generic test: every (columns) combination of the model exists in `to` (a composite foreign key). -#}
{% test relationships_composite(model, to, columns, to_columns=none) %}
{%- set to_columns = to_columns or columns -%}
select child.*
from {{ model }} as child
where not exists (
    select 1
    from {{ to }} as parent
    where {% for c in columns -%}
        parent.{{ to_columns[loop.index0] }} = child.{{ c }}{% if not loop.last %} and {% endif %}
    {%- endfor %}
)
{% endtest %}
