{#- dbt writes the descriptions of models and seeds into the warehouse as comments (persist_docs),
    not those of sources. The raw tables the extractor loads are sources: after every run their
    descriptions from _gent__sources.yml become table and column comments here, so that a BI tool
    shows them on raw.* as on every other schema. A table or column not (yet) in the warehouse is
    skipped. -#}
{% macro persist_source_docs() %}
    {%- if execute -%}
        {%- set statements = [] -%}
        {%- for source in graph.sources.values() -%}
            {%- set relation = adapter.get_relation(database=source.database, schema=source.schema, identifier=source.identifier) -%}
            {%- if relation is not none -%}
                {%- set existing = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
                {%- if source.description -%}
                    {%- do statements.append('comment on table ' ~ relation ~ ' is ' ~ sql_text(source.description)) -%}
                {%- endif -%}
                {%- for column in source.columns.values() if column.description and column.name | lower in existing -%}
                    {%- do statements.append('comment on column ' ~ relation ~ '.' ~ adapter.quote(column.name) ~ ' is ' ~ sql_text(column.description)) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if statements -%}
            {%- do run_query(statements | join(';\n')) -%}
            {%- do adapter.commit() -%}  {#- run_query opened a transaction that dbt leaves open in a hook -#}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}

{% macro sql_text(text) -%}
    '{{ text | trim | replace("'", "''") }}'
{%- endmacro %}
