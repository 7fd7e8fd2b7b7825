{#- Incremental models keyed on the document (dbt_project.yml: `+materialized: incremental`,
    delete+insert on document_id). A model's rows depend on its own document only, so an
    incremental run builds just the documents the model does not hold yet (a report's bytes
    are its document_id: a changed report is a new document) and the post-hook removes the rows
    of documents that left raw. A change of code (models, seeds, extractor) makes the pipeline
    run `dbt build --full-refresh`: same rows, built from scratch. Documents with no row in a
    model are built again each run; they give no row, so that costs nothing.
    `also`: a query of further document_ids to rebuild (rows that depend on other documents). -#}
{% macro documents_to_build(column='document_id', also=none) -%}
    {%- if is_incremental() -%}
    {{ column }} in (
        (select document_id from {{ source('gent', 'documents') }} except select document_id from {{ this }})
        {%- if also %}
        union
        ({{ also }})
        {%- endif %}
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of every incremental model: the rows of documents no longer loaded leave. -#}
{% macro drop_departed_documents() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where document_id not in (select document_id from {{ source('gent', 'documents') }})
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- The only rows of the per-document facts that depend on other documents: service_key, from
    the service names normalised over all reports (int_services_normalised). The documents of
    `this` whose stored service_key is no longer the one their printed service maps to. A model
    calling it declares both refs (`-- depends_on:`) unless it selects from them anyway. -#}
{% macro documents_with_stale_service_keys() -%}
    {%- if is_incremental() -%}
    select f.document_id
    from {{ this }} as f
    inner join {{ ref('int_policy_nodes_joined_to_tree') }} as t
        on t.document_id = f.document_id
        and t.node_id = f.node_id
    left join {{ ref('int_services_normalised') }} as s
        on s.service_printed = t.service_printed
    where f.service_key <> {{ service_key('s.service_canonical') }}
    {%- endif -%}
{%- endmacro %}
