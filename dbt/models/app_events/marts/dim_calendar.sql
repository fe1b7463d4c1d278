-- Every day from the first to the last date any app fact refers to (events and limits).
with bounds as (
    select min(d) as first_day, max(d) as last_day
    from (
        select event_date as d from {{ ref('stg_app_events__events') }}
        union all
        select limit_date from {{ ref('stg_app_events__limits') }}
    ) as dates
)
select
    day::date as calendar_date,
    extract(year from day)::int as year,
    extract(month from day)::int as month_number,
    (extract(year from day) * 100 + extract(month from day))::int as month_year,
    trim(to_char(day, 'Month')) as month_name,
    extract(isodow from day)::int as day_of_week,
    trim(to_char(day, 'Day')) as day_name,
    extract(isodow from day) in (6, 7) as is_weekend,
    extract(week from day)::int as iso_week
from bounds
cross join lateral generate_series(bounds.first_day, bounds.last_day, interval '1 day') as day
where bounds.first_day is not null
