-- Prose around the tables, one row per section of a block.
select
    cast(document_id as varchar)  as document_id,
    cast(node_id as varchar)      as node_id,
    cast(section as varchar)      as text_section,
    cast(seq as integer)          as text_seq,
    cast(text as varchar)         as text_body,
    cast(page as integer)         as page,
    cast(line as integer)         as line
from {{ source('gent', 'texts') }}
