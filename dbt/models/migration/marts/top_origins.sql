-- The ten countries the most migrants come from; ties by name.
select
    row_number() over (order by emigrants desc, country) as rank,
    country,
    emigrants as value,
    country_name
from {{ ref('int_migration__country_balance') }}
order by rank
limit 10
