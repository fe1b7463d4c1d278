-- One row per line and UTC day it was active in the app.
select
    mdn,
    event_date,
    count(*) as events,
    count(distinct event_type) as event_types,
    min(event_time) as first_event_time,
    max(event_time) as last_event_time
from {{ ref('stg_app_events__events') }}
where mdn is not null
group by mdn, event_date
