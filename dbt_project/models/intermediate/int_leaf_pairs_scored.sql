-- Candidate pairs of leaves (actions/projects) of the same report whose normalised titles are
-- close, scored and classified. A candidate is paired (merged into one conformed action) only
-- when it is a Stad leaf and an OCMW leaf of the same plan and level, within the distance and
-- score thresholds, and each is the other's unique best candidate. Everything else that is close
-- (pairs across plans, same-entity look-alikes, an action and a project, ambiguous or weak
-- matches) is kept here with a review_reason and listed in rpt_action_pair_review.
{%- set max_distance = var('pair_max_edit_distance', 2) %}
{%- set min_score = var('pair_min_score', 0.9) %}
{%- set review_distance = var('review_max_edit_distance', 3) %}
with

leaves as (
    select
        document_id,
        node_id,
        node_code,
        node_level,
        entity_code,
        plan_node_id,
        action_plan_code,
        title_printed,
        service_printed,
        {{ normalise_title('title_printed') }} as title_key
    from {{ ref('int_policy_nodes_joined_to_tree') }}
    where is_leaf
        and {{ documents_to_build() }}
        and not is_header_lost
        and title_printed is not null
),

-- Orientation: a Stad/OCMW candidate has the Stad leaf on the left; any other candidate is
-- listed once, the smaller node_id on the left.
candidates as (
    select
        a.document_id,
        a.node_id as left_node_id,
        a.node_code as left_code,
        a.node_level as left_level,
        a.entity_code as left_entity_code,
        a.action_plan_code as left_action_plan_code,
        a.title_printed as left_title_printed,
        a.service_printed as left_service_printed,
        b.node_id as right_node_id,
        b.node_code as right_code,
        b.node_level as right_level,
        b.entity_code as right_entity_code,
        b.action_plan_code as right_action_plan_code,
        b.title_printed as right_title_printed,
        b.service_printed as right_service_printed,
        a.entity_code = 'stad' and b.entity_code = 'ocmw' as is_stad_ocmw,
        a.plan_node_id = b.plan_node_id as is_same_plan,
        a.node_level = b.node_level as is_same_level,
        levenshtein(a.title_key, b.title_key) as edit_distance,
        {{ similarity_score('levenshtein(a.title_key, b.title_key)', 'a.title_key', 'b.title_key') }} as match_score
    from leaves as a
    inner join leaves as b
        on a.document_id = b.document_id
        and a.node_id <> b.node_id
        and abs(length(a.title_key) - length(b.title_key)) <= {{ review_distance }}
        and (
            (a.entity_code = 'stad' and b.entity_code = 'ocmw')
            or (
                a.node_id < b.node_id
                and not (
                    a.entity_code in ('stad', 'ocmw')
                    and b.entity_code in ('stad', 'ocmw')
                    and a.entity_code <> b.entity_code
                )
            )
        )
    where levenshtein(a.title_key, b.title_key) <= {{ review_distance }}
),

eligible as (
    select
        *,
        is_stad_ocmw and is_same_plan and is_same_level
        and edit_distance <= {{ max_distance }} and match_score >= {{ min_score }} as is_eligible
    from candidates
),

ranked as (
    select
        *,
        -- best distance each side can reach among its eligible candidates, and how many reach it
        min(case when is_eligible then edit_distance end)
            over (partition by document_id, left_node_id)
            as left_best_distance,
        count(case when is_eligible then 1 end)
            over (partition by document_id, left_node_id, is_eligible, edit_distance)
            as left_ties,
        min(case when is_eligible then edit_distance end)
            over (partition by document_id, right_node_id)
            as right_best_distance,
        count(case when is_eligible then 1 end)
            over (partition by document_id, right_node_id, is_eligible, edit_distance)
            as right_ties
    from eligible
),

classified as (
    select
        *,
        is_eligible
        and edit_distance = left_best_distance and left_ties = 1
        and edit_distance = right_best_distance and right_ties = 1 as is_paired
    from ranked
)

select
    {{ surrogate_key(['document_id', 'left_node_id', 'right_node_id']) }} as candidate_key,
    document_id,
    left_node_id,
    left_code,
    left_level,
    left_entity_code,
    left_action_plan_code,
    left_title_printed,
    left_service_printed,
    right_node_id,
    right_code,
    right_level,
    right_entity_code,
    right_action_plan_code,
    right_title_printed,
    right_service_printed,
    is_stad_ocmw,
    is_same_plan,
    is_same_level,
    cast(edit_distance as integer) as edit_distance,
    match_score,
    is_paired,
    case
        when is_paired and edit_distance = 0 then 'exact_title'
        when is_paired then 'near_title'
    end as match_method,
    case
        when is_paired and edit_distance > 0 then 'near_title_paired'
        when is_paired then null
        when left_entity_code = right_entity_code then 'same_entity'
        when not is_stad_ocmw then 'not_stad_ocmw'
        when not is_same_level then 'different_level'
        when not is_same_plan then 'different_plan'
        when edit_distance > {{ max_distance }} or match_score < {{ min_score }} then 'below_threshold'
        else 'ambiguous'
    end as review_reason
from classified
