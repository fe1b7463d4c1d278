-- Which properties each event type carries, how often, and its most common value.
with events as (
    select export_date, line_number, event_type from {{ ref('stg_app_events__events') }}
),
typed as (
    select e.event_type, p.property, p.value
    from {{ ref('stg_app_events__event_properties') }} as p
    join events as e using (export_date, line_number)
),
per_type as (
    select event_type, count(*) as type_events from events group by event_type
),
per_property as (
    select event_type, property, count(*) as events_with_property, count(distinct value) as distinct_values
    from typed
    group by event_type, property
),
top_value as (
    select distinct on (event_type, property) event_type, property, value as top_value, n as top_value_events
    from (
        select event_type, property, value, count(*) as n
        from typed
        where value is not null
        group by event_type, property, value
    ) as counted
    order by event_type, property, n desc, value
)
select
    pp.event_type,
    pp.property,
    pp.events_with_property,
    round(pp.events_with_property::numeric / pt.type_events, 4) as share_of_events,
    pp.distinct_values,
    tv.top_value,
    coalesce(tv.top_value_events, 0) as top_value_events,
    rank() over (partition by pp.event_type order by pp.events_with_property desc, pp.property) as property_rank
from per_property as pp
join per_type as pt using (event_type)
left join top_value as tv using (event_type, property)
