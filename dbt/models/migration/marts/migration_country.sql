{{ config(alias='country') }}
-- The country dimension shared by both matrices (published as migration.country).
select country_id, country, is_aggregate
from {{ ref('stg_migration__country') }}
