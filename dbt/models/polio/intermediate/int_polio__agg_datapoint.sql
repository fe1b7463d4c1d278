-- depends_on: {{ ref('stg_polio__change') }}
{{
  config(
    pre_hook="{{ polio_bulk_join_settings() }}",
    post_hook="{{ polio_table_upkeep(not_null=['campaign', 'refreshed_through'],
                                     rare='region is null or indicator is null') }}",
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['campaign'],
    on_schema_change='fail',
    indexes=[{'columns': ['campaign']}, {'columns': ['refreshed_through']}],
  )
}}
-- Stored values plus aggregates up the region tree, per campaign.
--   int: sum; bool: mean; pct: not aggregated. A region's own stored value wins over its
--   aggregate, and no value is counted twice: a stored value counts towards an ancestor only if
--   no region between them has a stored value (that one stands in for its subtree). This equals
--   "aggregate(R) = sum over children of (stored value if any, else the child's aggregate)";
--   for bool the mean is over the same values.
-- Sums of parts (PART_TO_BE_SUMMED) are computed at each region that holds the parts before
-- aggregating, so a total aggregates like the stored values it is made of (and rows without a
-- stored total are not lost when a sibling region stores an intermediate part).
-- Incremental unit: the campaign. Campaigns with merged changes since the last run are rebuilt
-- whole (master-data changes rebuild all); a tombstone row (null region) per rebuilt campaign
-- carries the watermark and is left out by polio.agg_datapoint.

with recursive batch as (
    select change_hi from {{ ref('int_polio__refresh_batch') }}
),

{% if is_incremental() %}
{{ polio_affected_campaigns(ref('int_polio__datapoint_merge')) }}
{% endif %}

stored as (
    select m.region, m.campaign, m.indicator, m.value, i.data_format
    from {{ ref('int_polio__datapoint_merge') }} as m
    left join {{ ref('stg_polio__indicator') }} as i on i.indicator = m.indicator
    where m.source_datapoint_id is not null
      and m.value is not null and m.value <> 'NaN'::double precision
    {% if is_incremental() %}
      and m.campaign = any (array(select campaign from affected))
    {% endif %}
),

-- the PART_TO_BE_SUMMED graph as a closure: each component with every sum above it
sum_tree (component, ancestor, distance) as (
    select component, indicator, 1
    from {{ ref('stg_polio__calculated_indicator_component') }}
    where calculation = 'PART_TO_BE_SUMMED'
    union all
    select t.component, e.indicator, t.distance + 1
    from sum_tree as t
    inner join {{ ref('stg_polio__calculated_indicator_component') }} as e
        on e.component = t.ancestor and e.calculation = 'PART_TO_BE_SUMMED'
    where t.distance < 32
),

-- a stored part counts towards the sums above it up to (not including) the nearest sum that is
-- itself stored at the same region; that one stands in for its parts
stored_parts as materialized (
    select s.region, s.campaign, s.indicator, s.value, t.ancestor, t.distance
    from stored as s
    inner join sum_tree as t on t.component = s.indicator
),

sum_cover as (
    select sp.region, sp.campaign, sp.indicator, min(sp.distance) as cover_distance
    from stored_parts as sp
    inner join stored as p
        on p.region = sp.region and p.campaign = sp.campaign and p.indicator = sp.ancestor
    group by sp.region, sp.campaign, sp.indicator
),

base_sums as (
    select sp.region, sp.campaign, sp.ancestor as indicator, sum(sp.value) as value, i.data_format
    from stored_parts as sp
    inner join {{ ref('stg_polio__indicator') }} as i on i.indicator = sp.ancestor
    left join sum_cover as c
        on c.region = sp.region and c.campaign = sp.campaign and c.indicator = sp.indicator
    where c.cover_distance is null or sp.distance < c.cover_distance
    group by sp.region, sp.campaign, sp.ancestor, i.data_format
),

summable as (
    select region, campaign, indicator, value, data_format
    from stored where data_format in ('int', 'bool')
    union all
    select region, campaign, indicator, value, data_format
    from base_sums where data_format = 'int'
),

-- each summable value with its proper ancestors (materialized first: joining the values to one
-- another on campaign and indicator alone would pair every region with every other)
with_ancestors as materialized (
    select s.region, s.campaign, s.indicator, s.data_format, s.value, a.ancestor, a.distance
    from summable as s
    inner join {{ ref('int_polio__region_ancestor') }} as a on a.region = s.region and a.distance > 0
),

-- distance to the nearest proper ancestor holding its own value
covered as (
    select w.region, w.campaign, w.indicator, min(w.distance) as cover_distance
    from with_ancestors as w
    inner join summable as p
        on p.region = w.ancestor and p.campaign = w.campaign and p.indicator = w.indicator
    group by w.region, w.campaign, w.indicator
),

contributions as (
    select
        w.ancestor as region, w.campaign, w.indicator, w.data_format,
        sum(w.value) as total, count(*) as n
    from with_ancestors as w
    left join covered as c
        on c.region = w.region and c.campaign = w.campaign and c.indicator = w.indicator
    where c.cover_distance is null or w.distance < c.cover_distance
    group by w.ancestor, w.campaign, w.indicator, w.data_format
),

aggregated as (
    select
        c.region, c.campaign, c.indicator,
        case c.data_format when 'bool' then c.total / c.n else c.total end as value
    from contributions as c
    where not exists (
        select 1 from summable as s
        where s.region = c.region and s.campaign = c.campaign and s.indicator = c.indicator
    )
)

select region, campaign, indicator, value, false as is_agg, batch.change_hi as refreshed_through
from stored cross join batch
union all
select region, campaign, indicator, value, true, batch.change_hi
from aggregated cross join batch
{% if is_incremental() %}
union all
select null, campaign, null, null, null, batch.change_hi
from affected cross join batch
{% endif %}
