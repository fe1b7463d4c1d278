{{ config(materialized='ephemeral') }}
-- Ephemeral: a rename only, not worth a view (nor a task in the cosmos DAG).
select
    id as country_id,
    name as country,
    is_aggregate
from {{ source('raw_migration', 'country') }}
