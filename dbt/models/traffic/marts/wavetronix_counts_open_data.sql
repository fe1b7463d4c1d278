{{ config(materialized='view') }}
-- Wavetronix radar counts per detector and 15 minutes as the portal dataset has them
-- (publication traffic_wavetronix); see bluetooth_reads_open_data for why it reads the staging table.
select
    row_id,
    int_id,
    intname,
    detid,
    detname,
    curdatetime,
    direction,
    day_of_week,
    timebin,
    year,
    month,
    day,
    hour,
    minute,
    volume,
    occupancy,
    speed
from {{ source('raw_traffic', 'wt_publish') }}
