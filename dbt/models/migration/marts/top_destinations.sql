-- The ten countries hosting the most migrants; ties by name.
select
    row_number() over (order by immigrants desc, country) as rank,
    country,
    immigrants as value,
    country_name
from {{ ref('int_migration__country_balance') }}
order by rank
limit 10
