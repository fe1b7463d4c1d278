-- Lines with a limit of a given type that were active in the app, with their activity overall
-- and since the latest limit of that type. "Lines with a USG limit that were active" is
-- `where limit_type = 'USG'`.
with latest_limit as (
    select distinct on (mtn, limit_type) mtn, limit_type, cust_acct, limit_date
    from {{ ref('fct_limit') }}
    order by mtn, limit_type, limit_date desc
),
activity as (
    select mdn, event_date, sum(events) as events
    from {{ ref('fct_activity') }}
    group by mdn, event_date
)
select
    ll.mtn,
    ll.limit_type,
    ll.cust_acct,
    ll.limit_date as latest_limit_date,
    dl.device_grouping,
    da.segment_name,
    da.svc_plan,
    count(*) as active_days,
    sum(a.events)::bigint as events,
    coalesce(sum(a.events) filter (where a.event_date >= ll.limit_date), 0)::bigint as events_since_limit,
    min(a.event_date) as first_active_date,
    max(a.event_date) as last_active_date
from latest_limit as ll
join activity as a on a.mdn = ll.mtn
join {{ ref('dim_line') }} as dl on dl.mtn = ll.mtn
left join {{ ref('dim_account') }} as da on da.cust_acct = ll.cust_acct
group by ll.mtn, ll.limit_type, ll.cust_acct, ll.limit_date, dl.device_grouping, da.segment_name, da.svc_plan
