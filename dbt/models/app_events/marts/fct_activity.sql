-- depends_on: {{ ref('dim_line') }}, {{ ref('dim_calendar') }} (built first so the relationship tests run after them)
-- Events per line, UTC day and event type (events without a line number cannot be attributed).
select
    mdn,
    event_date,
    event_type,
    count(*) as events,
    min(event_time) as first_event_time,
    max(event_time) as last_event_time
from {{ ref('stg_app_events__events') }}
where mdn is not null
group by mdn, event_date, event_type
