select
    mdn,
    event_time,
    (event_time at time zone 'UTC')::date as event_date
from {{ source('raw_app', 'by_mdn') }}
