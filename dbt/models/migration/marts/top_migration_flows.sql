-- The ten largest migrant stocks between two named countries. Ties rank by name so the order
-- is the same on every rebuild.
-- The *_name columns are the countries as the source wrote them, for reports.
select
    row_number() over (order by migrants desc, origin, destination) as rank,
    origin,
    destination,
    migrants as value,
    origin_name,
    destination_name
from {{ ref('migration_migrant_stock') }}
where not is_aggregate_flow
  and origin_id <> destination_id
order by rank
limit 10
