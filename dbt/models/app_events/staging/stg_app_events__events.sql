select
    event_date as export_date,
    line_number,
    event_id,
    nullif(trim(mdn), '') as mdn,
    coalesce(nullif(trim(event_type), ''), '(none)') as event_type,
    event_time,
    (event_time at time zone 'UTC')::date as event_date,
    session_id,
    app,
    os_name,
    device_family,
    platform
from {{ source('raw_app', 'event') }}
