{{ config(materialized='ephemeral') }}
select
    sender_id,
    receiver_id,
    value as usd_millions
from {{ source('raw_migration', 'remittance') }}
