-- The ten countries with the largest net outflow: net = immigrants − emigrants, most negative first.
select
    row_number() over (order by net_migrants asc, country) as rank,
    country,
    net_migrants as value,
    country_name
from {{ ref('int_migration__country_balance') }}
order by rank
limit 10
