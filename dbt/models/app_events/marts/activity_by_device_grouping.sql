-- Which device families use which features: active lines and events per grouping, day, event type.
select
    l.device_grouping,
    f.event_date,
    f.event_type,
    count(distinct f.mdn) as active_lines,
    sum(f.events)::bigint as events
from {{ ref('fct_activity') }} as f
join {{ ref('dim_line') }} as l on l.mtn = f.mdn
group by l.device_grouping, f.event_date, f.event_type
