{#- Conservation of a rollup: each of `views` adds up, per `keys`, to the `mart`'s totals.
    `measures`: name -> [sum expression over the mart, sum expression over a view]. Returns
    the keys where a view has a row too many or too few, or any measure differs (the mart's
    figures next to the view's, `view_<name>`). -#}
{% macro views_conserve_mart(views, mart, keys, measures) %}
with

mart as (
    select {{ keys | join(', ') }},
        {%- for name, sums in measures.items() %}
        {{ sums[0] }} as {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref(mart) }}
    group by all
),

views as (
    {% for view in views %}
    select '{{ view }}' as view_name, {{ keys | join(', ') }},
        {%- for name, sums in measures.items() %}
        {{ sums[1] }} as {{ name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref(view) }}
    group by all
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

names as (
    {% for view in views %}
    select '{{ view }}' as view_name{% if not loop.last %} union all{% endif %}
    {% endfor %}
),

expected as (
    select n.view_name, m.* from names as n cross join mart as m
)

select e.*{% for name in measures %}, v.{{ name }} as view_{{ name }}{% endfor %}
from expected as e
full outer join views as v
    on v.view_name = e.view_name
    {%- for key in keys %}
    and v.{{ key }} = e.{{ key }}
    {%- endfor %}
where e.view_name is null
    or v.view_name is null
    {%- for name in measures %}
    or e.{{ name }} is distinct from v.{{ name }}
    {%- endfor %}
{% endmacro %}
