-- Review list (nazichtlijst) of look-alike leaves that were NOT merged silently:
--   different_plan   a Stad and an OCMW leaf with matching titles under different plans (not merged);
--   same_entity      same or near title within one entity, e.g. an OCMW action and an OCMW project (not merged);
--   not_stad_ocmw    look-alikes of entities that do not form a Stad/OCMW pair (not merged);
--   different_level  a Stad action and an OCMW project, or vice versa (not merged);
--   below_threshold  titles too far apart for automatic pairing (not merged);
--   ambiguous        a leaf with several equally good partners (not merged);
--   near_title_paired a one/two-character typo pair that WAS merged, listed for confirmation.
select
    c.candidate_key as review_key,
    {{ surrogate_key(['c.document_id']) }} as document_key,
    c.document_id,
    c.review_reason,
    c.is_paired as is_merged,
    c.match_method,
    c.edit_distance,
    c.match_score,
    c.left_node_id,
    c.left_code,
    c.left_level,
    c.left_entity_code,
    c.left_action_plan_code,
    c.left_title_printed,
    c.left_service_printed,
    c.right_node_id,
    c.right_code,
    c.right_level,
    c.right_entity_code,
    c.right_action_plan_code,
    c.right_title_printed,
    c.right_service_printed,
    lt.page as left_page,
    lt.line as left_line,
    rt.page as right_page,
    rt.line as right_line
from {{ ref('int_leaf_pairs_scored') }} as c
inner join {{ ref('int_policy_nodes_joined_to_tree') }} as lt
    on lt.document_id = c.document_id
    and lt.node_id = c.left_node_id
inner join {{ ref('int_policy_nodes_joined_to_tree') }} as rt
    on rt.document_id = c.document_id
    and rt.node_id = c.right_node_id
where c.review_reason is not null
    and {{ documents_to_build('c.document_id') }}
