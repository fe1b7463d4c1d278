{{ config(materialized='ephemeral') }}
-- Master regions.
select name as region, parent, region_type
from {{ source('raw_polio', 'region') }}
