{{ config(alias='country') }}
-- The country dimension shared by both matrices (published as migration.country): the cleaned
-- name matches across files, the display name is how the source wrote it.
select country_id, country, country_name, is_aggregate
from {{ ref('stg_migration__country') }}
