{#- Every printed level is rounded independently to whole units, so the sum of n children may
    differ from the printed parent by up to half a unit per rounded figure: ½ × unit × (n + 1).
    unit_size is 1 for euro amounts and 0.01 for FTE (VTE). -#}
{% macro rounding_tolerance(child_count, unit_size) -%}
    cast(0.5 * ({{ unit_size }}) * (coalesce({{ child_count }}, 0) + 1) as decimal(18, 3))
{%- endmacro %}

{#- Status of one parent × metric comparison (see rpt_reconciliation). -#}
{% macro reconciliation_status(difference, tolerance) -%}
    case
        when {{ difference }} = 0 then 'exact'
        when abs({{ difference }}) <= {{ tolerance }} then 'rounding'
        else 'gap'
    end
{%- endmacro %}
