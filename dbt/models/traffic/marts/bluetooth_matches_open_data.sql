{{ config(materialized='view') }}
-- Bluetooth individual traffic matches as the portal dataset has them (publication
-- traffic_bt_itmf); see bluetooth_reads_open_data for why it reads the staging table.
select
    record_id,
    device_address,
    origin_reader_identifier,
    destination_reader_identifier,
    start_time,
    end_time,
    travel_time_seconds,
    speed_miles_per_hour,
    match_validity,
    filter_identifier,
    day_of_week
from {{ source('raw_traffic', 'bt_itmf_publish') }}
