-- Personal data (names of aldermen): kept in this model only, never joined into marts.
select
    cast(document_id as varchar)  as document_id,
    cast(node_id as varchar)      as node_id,
    cast(name as varchar)         as responsible_name,
    cast(page as integer)         as page,
    cast(line as integer)         as line
from {{ source('gent', 'responsibles') }}
