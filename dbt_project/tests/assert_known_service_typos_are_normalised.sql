-- The typo variants named in the report documentation map to the correct service, and every
-- canonical name maps to itself (idempotent).
with

expected as (
    select * from (
        values
        ('Dienst Organisaatiebrede budgetten', 'Dienst Organisatiebrede budgetten'),
        ('Welijnsbureau Nieuw Gent', 'Welzijnsbureau Nieuw Gent'),
        ('Welijnsbureau Bloemekenswijk', 'Welzijnsbureau Bloemekenswijk')
    -- the alias names the columns (sqlfluff's AL05 sees an alias no select uses):
    ) as e (service_printed, service_canonical)  -- noqa: AL05
),

services as (
    select * from {{ ref('int_services_normalised') }}
)

select e.service_printed, e.service_canonical as expected, s.service_canonical as actual
from expected as e
inner join services as s
    on s.service_printed = e.service_printed
where s.service_canonical <> e.service_canonical
union all
select s.service_canonical as service_printed, s.service_canonical as expected, c.service_canonical as actual
from services as s
inner join services as c
    on c.service_printed = s.service_canonical
where c.service_canonical <> s.service_canonical
