-- The report's prose as data: one row per paragraph of every block (goal, action plan, action,
-- project), with the block's place in the policy tree and the keys of its dimensions, so that
-- a search in the words joins the amounts. The text is exactly as read (paragraphs as the
-- extractor joined them); nothing is summarised or rewritten.
with

texts as (
    select * from {{ ref('stg_gent__texts') }}
    where {{ documents_to_build() }}
),

nodes as (
    select * from {{ ref('int_policy_nodes_joined_to_tree') }}
),

paired as (
    select document_id, node_id, action_nk from {{ ref('int_actions_paired') }}
),

-- raw.texts holds one row per section, its paragraphs separated by a newline and where each
-- starts in two lists of the same length: unnested side by side, they stay aligned
paragraphs as (
    select
        document_id,
        node_id,
        text_section,
        text_seq,
        unnest(string_split(text_body, chr(10))) as paragraph_text,
        generate_subscripts(string_split(text_body, chr(10)), 1) as paragraph_no,
        unnest(paragraph_pages) as page,
        unnest(paragraph_lines) as line
    from texts
)

select
    {{ surrogate_key(['p.document_id', 'p.node_id', 'p.text_seq', 'p.paragraph_no']) }} as narrative_key,
    {{ surrogate_key(['p.document_id']) }} as document_key,
    case when n.goal_code is not null then {{ surrogate_key(['n.goal_code']) }} end as goal_key,
    case when n.action_plan_code is not null then {{ surrogate_key(['n.action_plan_code']) }} end as action_plan_key,
    case when a.action_nk is not null then {{ surrogate_key(['a.action_nk']) }} end as action_key,
    p.document_id,
    p.node_id,
    n.node_code,
    n.node_level,
    n.goal_code,
    n.action_plan_code,
    n.is_header_lost,
    n.report_year as fiscal_year,
    p.text_section,
    {{ dutch_label(
        'p.text_section',
        {'description': 'Omschrijving', 'achievements': 'Wat hebben we bereikt?', 'indicator': 'Indicator'}
    ) }} as sectie,
    cast(p.text_seq as integer) as section_seq,
    cast(p.paragraph_no as integer) as paragraph_no,
    p.paragraph_text,
    p.page,
    p.line
from paragraphs as p
inner join nodes as n
    on n.document_id = p.document_id
    and n.node_id = p.node_id
left join paired as a
    on a.document_id = p.document_id
    and a.node_id = p.node_id
