{#- Title key for Stad/OCMW pairing: case, accents, whitespace and punctuation removed. -#}
{% macro normalise_title(column) -%}
    regexp_replace(lower(strip_accents(coalesce({{ column }}, ''))), '[^a-z0-9]+', '', 'g')
{%- endmacro %}

{#- Service-name key: lower case, no space around hyphens, single spaces, trimmed. -#}
{% macro normalise_service_name(column) -%}
    trim(regexp_replace(regexp_replace(lower({{ column }}), '\s*-\s*', '-', 'g'), '\s+', ' ', 'g'))
{%- endmacro %}

{#- Similarity score in [0, 1]: 1 - edit distance / length of the longer key. -#}
{% macro similarity_score(distance, a, b) -%}
    cast(1.0 - {{ distance }} / greatest(length({{ a }}), length({{ b }}), 1) as decimal(6, 4))
{%- endmacro %}
