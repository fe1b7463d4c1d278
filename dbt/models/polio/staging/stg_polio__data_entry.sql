{{ config(materialized='ephemeral') }}
-- Data-entry values; NaN is ignored like a missing value.
select region, campaign, indicator, value
from {{ source('raw_polio', 'data_entry') }}
where value is not null and value <> 'NaN'::double precision
