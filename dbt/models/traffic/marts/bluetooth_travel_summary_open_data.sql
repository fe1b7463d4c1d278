{{ config(materialized='view') }}
-- Bluetooth 15-minute travel summaries per segment as the portal dataset has them (publication
-- traffic_bt_tmsr); see bluetooth_reads_open_data for why it reads the staging table.
select
    record_id,
    origin_reader_identifier,
    destination_reader_identifier,
    origin_roadway,
    origin_cross_street,
    origin_direction,
    destination_roadway,
    destination_cross_street,
    destination_direction,
    segment_length_miles,
    "timestamp",
    average_travel_time_seconds,
    average_speed_miles_per_hour,
    summary_interval_minutes,
    number_samples,
    standard_deviation,
    day_of_week
from {{ source('raw_traffic', 'bt_tmsr_publish') }}
