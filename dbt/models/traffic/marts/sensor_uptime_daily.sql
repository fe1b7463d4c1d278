-- How many sensors of each source were up per day: the daily count the original fed to its
-- health dashboard (perfmet), from the per-sensor verdicts of sensor_health.
select
    data_source,
    collection_date,
    count(*) as sensors_listed,
    count(*) filter (where responsive) as responsive,
    count(*) filter (where generating) as generating,
    count(*) filter (where suspect) as suspect
from {{ ref('sensor_health') }}
group by data_source, collection_date
