-- One row per block of the policy tree (goal, action plan, action, project). Nothing dropped.
select
    cast(document_id as varchar)     as document_id,
    cast(node_id as varchar)         as node_id,
    cast(code as varchar)            as node_code,
    cast(level as varchar)           as node_level,
    cast(parent_node_id as varchar)  as parent_node_id,
    cast(title as varchar)           as title_printed,
    cast(service as varchar)         as service_printed,
    cast(entity as varchar)          as entity_code,
    cast(status as varchar)          as project_status,
    cast(phase as varchar)           as project_phase,
    cast(period_start as integer)    as period_start,
    cast(period_end as integer)      as period_end,
    cast(owner as varchar)           as plan_owner,
    cast(header_lost as boolean)     as is_header_lost,
    cast(position as integer)        as block_position,
    cast(page as integer)            as page,
    cast(line as integer)            as line
from {{ source('gent', 'nodes') }}
