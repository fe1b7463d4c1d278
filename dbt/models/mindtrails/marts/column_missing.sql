-- Percent missing per column of each questionnaire: a column is missing in an entry when the key
-- is absent or null; "prefer not to answer" (555 or the text) is counted separately.
with entries as (
    select server, scale, payload
    from {{ source('raw_mindtrails', 'decoded') }}
),
columns as (
    select distinct e.server, e.scale, k.column_name
    from entries as e
    cross join lateral jsonb_object_keys(e.payload) as k (column_name)
)
select
    c.server,
    c.scale as questionnaire,
    c.column_name,
    count(*) as entries,
    count(*) filter (where coalesce(jsonb_typeof(e.payload -> c.column_name), 'null') = 'null') as missing,
    count(*) filter (where e.payload ->> c.column_name in ('555', 'Prefer not to answer')) as prefer_not,
    round(100.0 * count(*) filter (where coalesce(jsonb_typeof(e.payload -> c.column_name), 'null') = 'null')
        / count(*), 2) as missing_percent
from columns as c
join entries as e using (server, scale)
group by c.server, c.scale, c.column_name
