-- What each raw table received per day, and how fast: the platform's own health report.
select
    target_schema || '.' || target_table as target,
    load_date,
    loads,
    rows_in,
    inserted,
    updated,
    deleted,
    round(seconds::numeric, 3) as seconds,
    case when seconds > 0 then round((rows_in / seconds)::numeric, 0) end as rows_per_second
from {{ ref('int_platform__load_daily') }}
