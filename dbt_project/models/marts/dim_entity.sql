select
    {{ surrogate_key(['entity_code']) }} as entity_key,
    cast(entity_code as varchar) as entity_code,
    cast(entity_name as varchar) as entity_name,
    cast(enterprise_number as varchar) as enterprise_number,
    cast(replace(enterprise_number, ' ', '') as varchar) as enterprise_number_compact,
    cast(entity_kind as varchar) as entity_kind,
    cast(is_group_member as boolean) as is_group_member,
    entity_code = 'unknown' as is_unknown_member
from {{ ref('entities') }}
