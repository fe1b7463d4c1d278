-- depends_on: {{ ref('dim_account') }} (built first so the relationship test on cust_acct runs after it)
-- Phone lines; lines only seen in events or limits are inferred members (grouping UNKNOWN).
-- The account is the one that set the line's most recent limit (line files carry none).
with latest_account as (
    select distinct on (mtn) mtn, cust_acct
    from {{ ref('stg_app_events__limits') }}
    where cust_acct is not null
    order by mtn, limit_date desc, limit_type
)
select
    k.mtn,
    coalesce(l.device_grouping, 'UNKNOWN') as device_grouping,
    l.sales_channel,
    l.service_activated_on,
    a.cust_acct,
    not k.in_line_file as is_inferred
from {{ ref('int_app_events__known_lines') }} as k
left join {{ ref('stg_app_events__lines') }} as l on l.mtn = k.mtn
left join latest_account as a on a.mtn = k.mtn
