-- One row per sensor and day of each source's observed period: the sensors the inventory lists
-- (so a dead sensor shows up as a row without a measure) plus any sensor the data names.
with periods as (
    select data_source, min(collection_date) as first_day, max(collection_date) as last_day,
           min(data_type) as data_type
    from {{ ref('stg_traffic__sensor_obs') }}
    group by data_source
),

days as (
    select p.data_source, p.data_type, d::date as collection_date
    from periods as p
    cross join lateral generate_series(p.first_day, p.last_day, interval '1 day') as d
),

sensors as (
    select data_source, sensor_name from {{ ref('stg_traffic__devices') }}
    union
    select data_source, sensor_name from {{ ref('stg_traffic__sensor_obs') }}
)

select
    days.data_source,
    sensors.sensor_name,
    days.collection_date,
    days.data_type,
    obs.value,
    obs.min_timestamp,
    obs.max_timestamp
from days
inner join sensors on sensors.data_source = days.data_source
left join {{ ref('stg_traffic__sensor_obs') }} as obs
    on obs.data_source = days.data_source
    and obs.sensor_name = sensors.sensor_name
    and obs.collection_date = days.collection_date
    and obs.data_type = days.data_type
