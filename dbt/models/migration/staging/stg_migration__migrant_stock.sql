{{ config(materialized='ephemeral') }}
select
    origin_id,
    destination_id,
    value as migrants
from {{ source('raw_migration', 'migrant_stock') }}
