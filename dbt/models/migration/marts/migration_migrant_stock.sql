{{ config(alias='migrant_stock') }}
-- The migration matrix as rows (published as migration.migrant_stock): file rows = origin,
-- file columns = destination ("Destination country (across) - Source country (down)").
select
    stock.origin_id,
    origin.country as origin,
    origin.country_name as origin_name,
    stock.destination_id,
    destination.country as destination,
    destination.country_name as destination_name,
    stock.migrants,
    origin.is_aggregate or destination.is_aggregate as is_aggregate_flow
from {{ ref('stg_migration__migrant_stock') }} as stock
join {{ ref('stg_migration__country') }} as origin on origin.country_id = stock.origin_id
join {{ ref('stg_migration__country') }} as destination on destination.country_id = stock.destination_id
