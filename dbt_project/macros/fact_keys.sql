{#- The dimension keys every fact row carries, in this order: document, conformed action,
    entity, action plan, goal, service. Each argument is the SQL of the natural key; an
    argument left out leaves its key out. `leaf`: a condition under which the row is a leaf
    (the action and entity keys are null on plan and goal rows of the *_reported facts). A row
    without an action plan (a goal row) has no action_plan_key. -#}
{% macro fact_keys(document, goal, action_plan, action_nk=none, entity=none, service=none, leaf=none) -%}
    {%- set keys = [surrogate_key([document]) ~ ' as document_key'] -%}
    {%- if action_nk -%}
    {%- do keys.append(only_when(leaf, surrogate_key([action_nk])) ~ ' as action_key') -%}
    {%- endif -%}
    {%- if entity -%}
    {%- do keys.append(only_when(leaf, surrogate_key(["coalesce(" ~ entity ~ ", 'unknown')"])) ~ ' as entity_key') -%}
    {%- endif -%}
    {%- do keys.append(only_when(action_plan ~ ' is not null', surrogate_key([action_plan])) ~ ' as action_plan_key') -%}
    {%- do keys.append(surrogate_key([goal]) ~ ' as goal_key') -%}
    {%- if service -%}
    {%- do keys.append(service_key(service) ~ ' as service_key') -%}
    {%- endif -%}
    {{ keys | join(',\n    ') }}
{%- endmacro %}

{#- A leaf without a printed service (lost header) counts under dim_service's unknown member. -#}
{% macro service_key(service_canonical) -%}
    {{ surrogate_key(["coalesce(" ~ service_canonical ~ ", '__unknown__')"]) }}
{%- endmacro %}

{% macro only_when(condition, expression) -%}
    {%- if condition -%}case when {{ condition }} then {{ expression }} end{%- else -%}{{ expression }}{%- endif -%}
{%- endmacro %}

{#- The rows of the tests that compare totals: `expected` and `actual` (relations or CTE names)
    full-outer-joined on `keys`; a key on one side only, or any of `measures` distinct, fails.
    Returns the keys with both sides' measures (expected_<m>, actual_<m>). -#}
{% macro totals_that_differ(expected, actual, keys, measures) -%}
select
    {%- for key in keys %}
    coalesce(e.{{ key }}, a.{{ key }}) as {{ key }},
    {%- endfor %}
    e.{{ keys[0] }} is null as only_actual,
    a.{{ keys[0] }} is null as only_expected
    {%- for measure in measures %},
    e.{{ measure }} as expected_{{ measure }},
    a.{{ measure }} as actual_{{ measure }}
    {%- endfor %}
from {{ expected }} as e
full outer join {{ actual }} as a
    on {% for key in keys %}{% if not loop.first %}
    and {% endif %}a.{{ key }} = e.{{ key }}{% endfor %}
where e.{{ keys[0] }} is null
    or a.{{ keys[0] }} is null
    {%- for measure in measures %}
    or e.{{ measure }} is distinct from a.{{ measure }}
    {%- endfor %}
{%- endmacro %}
