-- Lines active in the app per UTC day and device grouping (from the by-mdn activity pings).
select
    b.event_date,
    l.device_grouping,
    count(distinct b.mdn) as active_lines,
    count(*) as events
from {{ ref('stg_app_events__by_mdn') }} as b
join {{ ref('dim_line') }} as l on l.mtn = b.mdn
group by b.event_date, l.device_grouping
