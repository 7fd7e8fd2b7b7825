{#- One rule for every derived rate the warehouse shows (execution rate, paid vs planned VTE):
    100 × numerator / denominator to one decimal, null for a zero or null denominator (a rate
    over nothing is unknown, not 0). The printed percentages stay as printed beside it. -#}
{% macro percentage_of(numerator, denominator) -%}
    round(100.0 * {{ numerator }} / nullif({{ denominator }}, 0), 1)
{%- endmacro %}
