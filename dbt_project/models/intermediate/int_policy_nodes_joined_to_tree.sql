-- The policy tree: every block with its level, its goal and plan ancestors, its path and the
-- document context. Leaves whose header was lost get an entity imputed from their neighbours
-- (labelled; the printed entity_code stays null).
with

nodes as (
    select * from {{ ref('stg_gent__nodes') }}
    where {{ documents_to_build() }}
),

documents as (
    select document_id, report_year, previous_year, layout
    from {{ ref('stg_gent__documents') }}
),

documents_with_staffing as (
    select distinct document_id from {{ ref('stg_gent__staffing_lines') }}
),

children as (
    select document_id, parent_node_id, count(*) as child_count
    from nodes
    where parent_node_id is not null
    group by document_id, parent_node_id
),

with_ancestors as (
    select
        n.*,
        case n.node_level when 'goal' then 1 when 'action_plan' then 2 else 3 end as level_no,
        n.node_level in ('action', 'project') as is_leaf,
        case
            when n.node_level = 'goal' then n.node_id
            when n.node_level = 'action_plan' then n.parent_node_id
            else parent.parent_node_id
        end as goal_node_id,
        case
            when n.node_level = 'action_plan' then n.node_id
            when n.node_level in ('action', 'project') then n.parent_node_id
        end as plan_node_id
    from nodes as n
    left join nodes as parent
        on parent.document_id = n.document_id
        and parent.node_id = n.parent_node_id
),

-- Neighbouring leaves (same plan, same level, header not lost) in document order: leaves are
-- printed sorted by code (Stad actions, OCMW actions, Stad projects, OCMW projects), so a lost
-- leaf between two leaves of the same entity belongs to that entity.
leaf_neighbours as (
    select
        document_id,
        node_id,
        last_value(case when not is_header_lost then entity_code end ignore nulls) over (
            partition by document_id, plan_node_id, node_level order by block_position
            rows between unbounded preceding and 1 preceding
        ) as previous_entity_code,
        first_value(case when not is_header_lost then entity_code end ignore nulls) over (
            partition by document_id, plan_node_id, node_level order by block_position
            rows between 1 following and unbounded following
        ) as next_entity_code
    from with_ancestors
    where is_leaf
)

select
    t.document_id,
    t.node_id,
    t.node_code,
    t.node_level,
    t.level_no,
    t.is_leaf,
    t.parent_node_id,
    t.goal_node_id,
    goal.node_code as goal_code,
    t.plan_node_id,
    plan.node_code as action_plan_code,
    concat_ws(
        ' > ', goal.node_code, plan.node_code,
        case when t.is_leaf then coalesce(t.node_code, t.node_id) end
    ) as node_path,
    t.title_printed,
    t.service_printed,
    t.entity_code,
    -- Stad leaves come first and OCMW leaves last within a level, so a lost leaf before the
    -- first sibling, a Stad one, is Stad, and one after the last sibling, an OCMW one, is OCMW.
    -- Between a Stad and an OCMW leaf (or at an end next to the other entity) it stays unknown.
    case
        when not (t.is_leaf and t.is_header_lost) then null
        when nb.previous_entity_code = nb.next_entity_code then nb.previous_entity_code
        when nb.previous_entity_code is null and nb.next_entity_code = 'stad' then 'stad'
        when nb.next_entity_code is null and nb.previous_entity_code = 'ocmw' then 'ocmw'
    end as entity_code_imputed,
    case
        when not (t.is_leaf and t.is_header_lost) then null
        when nb.previous_entity_code = nb.next_entity_code then 'between_siblings_of_same_entity'
        when nb.previous_entity_code is null and nb.next_entity_code = 'stad' then 'before_first_sibling_stad'
        when nb.next_entity_code is null and nb.previous_entity_code = 'ocmw' then 'after_last_sibling_ocmw'
        else 'not_imputable'
    end as entity_imputation_method,
    t.project_status,
    t.project_phase,
    t.period_start,
    t.period_end,
    t.plan_owner,
    t.is_header_lost,
    t.block_position,
    coalesce(c.child_count, 0) as child_count,
    d.report_year,
    d.previous_year,
    d.layout,
    ds.document_id is not null as has_staffing_tables,
    t.page,
    t.line
from with_ancestors as t
inner join documents as d
    on d.document_id = t.document_id
left join documents_with_staffing as ds
    on ds.document_id = t.document_id
left join nodes as goal
    on goal.document_id = t.document_id
    and goal.node_id = t.goal_node_id
left join nodes as plan
    on plan.document_id = t.document_id
    and plan.node_id = t.plan_node_id
left join children as c
    on c.document_id = t.document_id
    and c.parent_node_id = t.node_id
left join leaf_neighbours as nb
    on nb.document_id = t.document_id
    and nb.node_id = t.node_id
