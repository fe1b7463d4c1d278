{{ config(materialized='view') }}
-- GRIDSMART camera turning movements per 15 minutes as the portal dataset has them (publication
-- traffic_gridsmart); see bluetooth_reads_open_data for why it reads the staging table.
select
    row_id,
    atd_device_id,
    intersection_name,
    read_date,
    zone_approach,
    turn_movement,
    heavy_vehicle,
    volume,
    speed_average,
    speed_stddev,
    seconds_in_zone_average,
    seconds_in_zone_stddev,
    day_of_week,
    timebin,
    year,
    month,
    day,
    hour,
    minute
from {{ source('raw_traffic', 'gs_publish') }}
