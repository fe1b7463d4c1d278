-- Accounts (families) from the account files, plus accounts only named by limits (inferred).
with file_accounts as (
    select cust_acct, segment_name, svc_plan, false as is_inferred
    from {{ ref('stg_app_events__accounts') }}
),
limit_only as (
    select distinct l.cust_acct, 'UNKNOWN' as segment_name, 'UNKNOWN' as svc_plan, true as is_inferred
    from {{ ref('stg_app_events__limits') }} as l
    where l.cust_acct is not null
      and not exists (select 1 from file_accounts as a where a.cust_acct = l.cust_acct)
)
select * from file_accounts
union all
select * from limit_only
