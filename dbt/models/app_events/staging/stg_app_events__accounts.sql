select
    trim(cust_acct) as cust_acct,
    nullif(trim(segment_name), '') as segment_name,
    nullif(trim(svc_plan), '') as svc_plan
from {{ source('raw_app', 'account_dim') }}
