{{ config(materialized='view') }}
-- Bluetooth individual address reads as the portal dataset has them (publication traffic_bt_iaf).
-- Reads the publish staging table directly: the publish stage already shaped each row for the
-- portal (ids hashed, addresses replaced by a per-day counter), so a staging model would only
-- repeat it; this view leaves out the bookkeeping columns the portal does not have.
select
    record_id,
    host_read_time,
    field_device_ip,
    field_device_read_time,
    reader_identifier,
    device_address,
    device_id,
    day_of_week
from {{ source('raw_traffic', 'bt_iaf_publish') }}
