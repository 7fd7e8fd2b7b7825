with

documents as (
    select * from {{ ref('stg_gent__documents') }}
),

tree as (
    select
        document_id,
        count(*) as node_count,
        count(*) filter (where is_leaf) as leaf_count,
        count(*) filter (where is_header_lost) as header_lost_count,
        bool_or(has_staffing_tables) as has_staffing_tables
    from {{ ref('int_policy_nodes_joined_to_tree') }}
    group by document_id
),

anomalies as (
    select document_id, count(*) as anomaly_count
    from {{ ref('stg_gent__anomalies') }}
    group by document_id
)

select
    {{ surrogate_key(['d.document_id']) }} as document_key,
    d.document_id,
    d.file_name,
    d.source_format,
    d.document_title,
    d.theme,
    d.report_year,
    d.previous_year,
    d.layout,
    d.entities_printed,
    coalesce(t.has_staffing_tables, false) as has_staffing_tables,
    d.layout <> 'district09' as is_prev_year_applicable,
    d.page_count,
    d.line_count,
    d.table_markers,
    cast(coalesce(t.node_count, 0) as integer) as node_count,
    cast(coalesce(t.leaf_count, 0) as integer) as leaf_count,
    cast(coalesce(t.header_lost_count, 0) as integer) as header_lost_count,
    cast(coalesce(a.anomaly_count, 0) as integer) as anomaly_count,
    d.extractor_version
from documents as d
left join tree as t
    on t.document_id = d.document_id
left join anomalies as a
    on a.document_id = d.document_id
