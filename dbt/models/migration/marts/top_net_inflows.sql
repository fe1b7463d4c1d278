-- The ten countries with the largest net inflow (immigrants − emigrants), largest first.
select
    row_number() over (order by net_migrants desc, country) as rank,
    country,
    net_migrants as value,
    country_name
from {{ ref('int_migration__country_balance') }}
order by rank
limit 10
