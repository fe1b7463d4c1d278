select
    collection_date,
    data_source,
    data_type,
    sensor_name,
    value,
    min_timestamp,
    max_timestamp
from {{ source('perfmet', 'obs') }}
