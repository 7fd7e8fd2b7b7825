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

{{ totals_that_differ('expected', 'views', ['view_name'] + keys, measures.keys() | list) }}
{% endmacro %}
