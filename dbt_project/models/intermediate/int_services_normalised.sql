-- Service names (diensten) as printed -> one canonical name per service. The printed spelling is
-- kept; typo variants are mapped by
--   1. the manual seed service_name_corrections (variants beyond the automatic threshold, ties),
--   2. the automatic rule: normalised names (case, spaces around hyphens) at most
--      var('service_max_edit_distance') edits apart (and < 15 % of the length) are one service;
--      the canonical spelling is the candidate whose words are the most common across all
--      printed service names (so 'Welzijnsbureau' beats 'Welijnsbureau' even where the typo
--      variant of one bureau happens to be printed more often).
{%- set max_distance = var('service_max_edit_distance', 2) %}
with

printed as (
    select
        service_printed,
        {{ normalise_service_name('service_printed') }} as service_normalised,
        count(*) as node_count,
        count(distinct document_id) as document_count
    from {{ ref('stg_gent__nodes') }}
    where service_printed is not null
    group by service_printed
),

word_weights as (
    select word, sum(node_count) as word_weight
    from (
        select unnest(string_split(regexp_replace(service_normalised, '[^a-z0-9]+', ' ', 'g'), ' ')) as word, node_count
        from printed
    ) as words
    where word <> ''
    group by word
),

scored as (
    select p.service_printed, p.service_normalised, p.node_count, p.document_count, sum(w.word_weight) as spelling_score
    from printed as p
    cross join unnest(string_split(regexp_replace(p.service_normalised, '[^a-z0-9]+', ' ', 'g'), ' ')) as u (word)
    inner join word_weights as w
        on w.word = u.word
    group by all
),

candidates as (
    select
        v.service_printed,
        c.service_printed as candidate,
        levenshtein(v.service_normalised, c.service_normalised) as edit_distance,
        c.spelling_score,
        c.node_count
    from scored as v
    inner join scored as c
        on abs(length(v.service_normalised) - length(c.service_normalised)) <= {{ max_distance }}
        and levenshtein(v.service_normalised, c.service_normalised) <= {{ max_distance }}
        and levenshtein(v.service_normalised, c.service_normalised)
        < 0.15 * greatest(length(v.service_normalised), length(c.service_normalised))
),

automatic as (
    select
        service_printed,
        arg_max(candidate, (spelling_score, node_count, candidate)) as service_canonical,
        arg_max(edit_distance, (spelling_score, node_count, candidate)) as edit_distance
    from candidates
    group by service_printed
),

manual as (
    select service_printed, service_canonical, reason
    from {{ ref('service_name_corrections') }}
),

resolved as (
    select
        s.service_printed,
        s.service_normalised,
        s.node_count,
        s.document_count,
        coalesce(m.service_canonical, a.service_canonical) as service_canonical,
        case
            when m.service_printed is not null then 'manual_seed'
            when a.service_canonical = s.service_printed then 'identical'
            when {{ normalise_service_name('a.service_canonical') }} = s.service_normalised then 'normalised_spelling'
            else 'edit_distance'
        end as match_method,
        case
            when m.service_printed is not null
                then levenshtein(s.service_normalised, {{ normalise_service_name('m.service_canonical') }})
            else a.edit_distance
        end as edit_distance,
        m.reason as manual_reason
    from scored as s
    left join automatic as a
        on a.service_printed = s.service_printed
    left join manual as m
        on m.service_printed = s.service_printed
)

-- A second pass makes the mapping idempotent: a canonical name maps to itself.
select
    r.service_printed,
    r.service_normalised,
    coalesce(m2.service_canonical, a2.service_canonical, r.service_canonical) as service_canonical,
    r.match_method,
    cast(r.edit_distance as integer) as edit_distance,
    r.manual_reason,
    cast(r.node_count as integer) as node_count,
    cast(r.document_count as integer) as document_count
from resolved as r
left join manual as m2
    on m2.service_printed = r.service_canonical
left join automatic as a2
    on a2.service_printed = r.service_canonical
