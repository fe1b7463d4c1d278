{{ config(materialized='ephemeral') }}
-- Master indicators.
select name as indicator, data_format
from {{ source('raw_polio', 'indicator') }}
