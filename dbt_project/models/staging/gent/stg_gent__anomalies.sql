-- Damage and repairs the extractor noted, one row per observation.
select
    cast(document_id as varchar)  as document_id,
    cast(node_id as varchar)      as node_id,
    cast(kind as varchar)         as anomaly_kind,
    cast(detail as varchar)       as anomaly_detail,
    cast(page as integer)         as page,
    cast(line as integer)         as line,
    cast(raw_text as varchar)     as raw_text
from {{ source('gent', 'anomalies') }}
