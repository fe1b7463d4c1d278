select
    trim(mtn) as mtn,
    upper(nullif(trim(device_grouping), '')) as device_grouping,
    nullif(trim(sales_channel), '') as sales_channel,
    svc_act_dt as service_activated_on
from {{ source('raw_app', 'line_dim') }}
