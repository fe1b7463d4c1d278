-- Per sensor and day: did it answer, did it count anything, does the count look wrong?
-- "Far from" the 7-day moving average means more than `traffic_suspect_factor` times it, or
-- less than the average divided by that factor (default 3).
{% set factor = var('traffic_suspect_factor', 3) %}

with scored as (
    select
        *,
        avg(value) over (
            partition by data_source, sensor_name
            order by collection_date
            rows between 7 preceding and 1 preceding
        ) as moving_avg_7d
    from {{ ref('int_traffic__sensor_days') }}
)

select
    data_source,
    sensor_name,
    collection_date,
    data_type,
    value,
    round(moving_avg_7d::numeric, 2) as moving_avg_7d,
    value is not null as responsive,
    coalesce(value > 0, false) as generating,
    coalesce(
        value = 0
        or (moving_avg_7d > 0 and (value > moving_avg_7d * {{ factor }}
                                   or value < moving_avg_7d / {{ factor }})),
        false
    ) as suspect,
    case
        when value is null then 'no data'
        when value = 0 then 'all zeros'
        when moving_avg_7d > 0 and value > moving_avg_7d * {{ factor }} then 'far above 7-day average'
        when moving_avg_7d > 0 and value < moving_avg_7d / {{ factor }} then 'far below 7-day average'
    end as reason,
    min_timestamp,
    max_timestamp
from scored
