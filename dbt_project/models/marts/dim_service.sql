-- One row per service (dienst) after normalisation of typo variants, plus an unknown member for
-- leaves without a printed service (lost headers). The printed variants are listed; lineage
-- points at the first block printing the canonical spelling.
with

services as (
    select * from {{ ref('int_services_normalised') }}
),

grouped as (
    select
        service_canonical,
        string_agg(service_printed, ' | ' order by service_printed) as printed_variants,
        count(*) as variant_count,
        sum(node_count) as node_count,
        string_agg(distinct match_method, ', ' order by match_method) as match_methods
    from services
    group by service_canonical
),

first_printing as (
    select
        service_printed,
        arg_min(document_id, (document_id, block_position)) as document_id,
        arg_min(node_id, (document_id, block_position)) as node_id,
        arg_min(page, (document_id, block_position)) as page,
        arg_min(line, (document_id, block_position)) as line
    from {{ ref('stg_gent__nodes') }}
    where service_printed is not null
    group by service_printed
)

select
    {{ service_key('g.service_canonical') }} as service_key,
    g.service_canonical as service_name,
    g.printed_variants,
    cast(g.variant_count as integer) as variant_count,
    cast(g.node_count as integer) as node_count,
    g.match_methods,
    false as is_unknown_member,
    f.document_id,
    f.node_id,
    f.page,
    f.line
from grouped as g
left join first_printing as f
    on f.service_printed = g.service_canonical

union all

select
    {{ service_key('null') }} as service_key,
    'Onbekend (geen dienst gedrukt)' as service_name,
    cast(null as varchar) as printed_variants,
    0 as variant_count,
    0 as node_count,
    cast(null as varchar) as match_methods,
    true as is_unknown_member,
    cast(null as varchar) as document_id,
    cast(null as varchar) as node_id,
    cast(null as integer) as page,
    cast(null as integer) as line
