-- depends_on: {{ ref('dim_line') }}, {{ ref('dim_account') }}, {{ ref('dim_calendar') }} (built first so the relationship tests run after them)
-- One row per limit an account set on a line.
select mtn, cust_acct, limit_date, limit_type
from {{ ref('stg_app_events__limits') }}
