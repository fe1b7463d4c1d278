select
    event_date as export_date,
    line_number,
    event_id,
    property,
    value
from {{ source('raw_app', 'event_property') }}
