{{ config(materialized='view') }}
-- app.daily_active_lines with a single-column row identifier for the portal. Counts per day and
-- device grouping only: no line number ever reaches this view.
select
    to_char(event_date, 'YYYY-MM-DD') || '/' || device_grouping as day_grouping,
    event_date,
    device_grouping,
    active_lines,
    events
from {{ ref('daily_active_lines') }}
