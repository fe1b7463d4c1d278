-- Every device the inventory has listed for a source (any retrieval day), named as the
-- sensor files name it: the set of sensors whose health is tracked.
select
    data_source,
    device_name as sensor_name,
    min(collection_date) as first_listed,
    max(collection_date) as last_listed
from {{ source('raw_traffic', 'device') }}
group by data_source, device_name
