select
    trim(mtn) as mtn,
    nullif(trim(cust_acct), '') as cust_acct,
    limiting_dt as limit_date,
    upper(trim(limit_type)) as limit_type
from {{ source('raw_app', 'limit_fact') }}
