-- One row per limit an account set on a line.
select mtn, cust_acct, limit_date, limit_type
from {{ ref('stg_app__limits') }}
