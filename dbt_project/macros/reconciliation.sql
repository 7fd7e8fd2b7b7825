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

{#- Does a printed percentage agree with the printed amounts? The report computes percentages
    from unrounded amounts, so the recomputed ratio of two figures rounded to unit_size can differ
    by up to 100 × ½ unit × (|num| + |den|) / den² points, plus 0,1 point for rounding the two
    percentages themselves. A printed 0 denominator prints 0,0% when it is really 0, or a huge
    percentage (≥ 100 × |num| / ½ unit) when it was a fraction of a unit rounded to 0 (e.g.
    2.766.541,7%). Null when a value is missing. -#}
{% macro pct_consistent(printed_pct, numerator, denominator, unit_size) -%}
    case
        when {{ printed_pct }} is null or {{ numerator }} is null or {{ denominator }} is null then null
        when {{ denominator }} = 0
            then {{ printed_pct }} = 0 or abs({{ printed_pct }}) >= 100.0 * abs({{ numerator }}) / (0.5 * {{ unit_size }})
        else abs({{ printed_pct }} - round({{ numerator }} * 100.0 / {{ denominator }}, 1))
            <= 0.1 + 100.0 * 0.5 * {{ unit_size }} * (abs({{ numerator }}) + abs({{ denominator }}))
               / (cast({{ denominator }} as double) * {{ denominator }})  {#- double: the square of an amount over ~3 billion overflows BIGINT #}
    end
{%- endmacro %}
