{{ config(materialized='ephemeral') }}
-- Ephemeral: a rename only, not worth a view (nor a task in the cosmos DAG).
select
    id as country_id,
    name as country,
    -- as the source wrote it (rows loaded before display names were kept show the cleaned name)
    coalesce(display_name, name) as country_name,
    is_aggregate
from {{ source('raw_migration', 'country') }}
