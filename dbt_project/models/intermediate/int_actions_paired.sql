-- Every leaf (action or project) of every report with the conformed action it belongs to:
-- a Stad leaf and its paired OCMW leaf share one action_nk; every other leaf is its own
-- conformed action. Exactly one row per (document_id, node_id) leaf.
with

leaves as (
    select *
    from {{ ref('int_policy_nodes_joined_to_tree') }}
    where is_leaf
        and {{ documents_to_build() }}
),

pairs as (
    select *
    from {{ ref('int_leaf_pairs_scored') }}
    where is_paired
),

pair_members as (
    select
        document_id, left_node_id as node_id, right_node_id as partner_node_id, right_code as partner_code,
        'pair:' || left_code || '+' || right_code as action_nk, match_method, match_score, edit_distance
    from pairs
    union all
    select
        document_id, right_node_id as node_id, left_node_id as partner_node_id, left_code as partner_code,
        'pair:' || left_code || '+' || right_code as action_nk, match_method, match_score, edit_distance
    from pairs
)

select
    l.document_id,
    l.node_id,
    l.node_code,
    l.node_level,
    l.entity_code,
    l.is_header_lost,
    coalesce(
        p.action_nk,
        case
            when l.is_header_lost or l.node_code is null then 'lost:' || l.document_id || ':' || l.node_id
            else 'leaf:' || coalesce(l.entity_code, 'unknown') || ':' || l.node_code
        end
    ) as action_nk,
    p.partner_node_id is not null as is_paired,
    p.partner_node_id,
    p.partner_code,
    coalesce(p.match_method, 'unpaired') as match_method,
    p.match_score,
    p.edit_distance
from leaves as l
left join pair_members as p
    on p.document_id = l.document_id
    and p.node_id = l.node_id
