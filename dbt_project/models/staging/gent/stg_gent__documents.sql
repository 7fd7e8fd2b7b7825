-- One row per extracted report (document). Typed and renamed, nothing dropped.
select
    cast(document_id as varchar)        as document_id,
    cast(file_name as varchar)          as file_name,
    cast(source_format as varchar)      as source_format,
    cast(title as varchar)              as document_title,
    cast(theme as varchar)              as theme,
    cast(report_year as integer)        as report_year,
    cast(previous_year as integer)      as previous_year,
    cast(layout as varchar)             as layout,
    cast(entities as varchar)           as entities_printed,
    cast(page_count as integer)         as page_count,
    cast(line_count as integer)         as line_count,
    cast(table_markers as integer)      as table_markers,
    cast(extractor_version as varchar)  as extractor_version
from {{ source('gent', 'documents') }}
