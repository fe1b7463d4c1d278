{{ config(materialized='ephemeral') }}
-- Immigrants, emigrants and net migration per named country. Only flows between two named
-- countries count: aggregate rows/columns ("world" is a total, "other north/south" are
-- unattributed remainders) and the diagonal (a country to itself, e.g. vanuatu → vanuatu = 3 in
-- the 2013 file) are not migration between countries.
with flows as (
    select origin_id, destination_id, migrants
    from {{ ref('migration_migrant_stock') }}
    where not is_aggregate_flow
      and origin_id <> destination_id
),

immigrants as (
    select destination_id as country_id, sum(migrants) as immigrants
    from flows
    group by destination_id
),

emigrants as (
    select origin_id as country_id, sum(migrants) as emigrants
    from flows
    group by origin_id
)

select
    country.country_id,
    country.country,
    country.country_name,
    coalesce(immigrants.immigrants, 0) as immigrants,
    coalesce(emigrants.emigrants, 0) as emigrants,
    coalesce(immigrants.immigrants, 0) - coalesce(emigrants.emigrants, 0) as net_migrants
from {{ ref('stg_migration__country') }} as country
left join immigrants on immigrants.country_id = country.country_id
left join emigrants on emigrants.country_id = country.country_id
where not country.is_aggregate
  -- countries named only in the remittance matrix have no migration figures to rank
  and (immigrants.country_id is not null or emigrants.country_id is not null)
