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
-- Stored and aggregated values plus calculated indicators, per campaign, at every region level
-- (so national rates exist). A value present for the calculated indicator itself wins.
--   PART_TO_BE_SUMMED: sum of the parts present; a part that is itself a sum uses its own value
--     when it has one, else the sum of its parts (each value counted once).
--   NUMERATOR / DENOMINATOR: ratio; either side may be a computed sum; zero denominator -> null.
--   WHOLE_OF_DIFFERENCE / PART_OF_DIFFERENCE: (whole - part) / whole, used when no ratio exists.
-- Incremental unit: the campaign (see int_polio__agg_datapoint).

with recursive batch as (
    select change_hi from {{ ref('int_polio__refresh_batch') }}
),

{% if is_incremental() %}
{{ polio_affected_campaigns(ref('int_polio__agg_datapoint')) }}
{% endif %}

vals as (
    select region, campaign, indicator, value
    from {{ ref('int_polio__agg_datapoint') }}
    where region is not null and value is not null
    {% if is_incremental() %}
      and campaign = any (array(select campaign from affected))
    {% endif %}
),

calc as (
    select indicator, component, calculation
    from {{ ref('stg_polio__calculated_indicator_component') }}
),

-- the PART_TO_BE_SUMMED graph as a closure: each component with every sum above it
sum_tree (component, ancestor, distance) as (
    select component, indicator, 1
    from calc where calculation = 'PART_TO_BE_SUMMED'
    union all
    select t.component, e.indicator, t.distance + 1
    from sum_tree as t
    inner join calc as e on e.component = t.ancestor and e.calculation = 'PART_TO_BE_SUMMED'
    where t.distance < 32
),

-- a value counts towards the sums above it up to (not including) the nearest sum that has a
-- value of its own at the same region and campaign
val_parts as materialized (
    select v.region, v.campaign, v.indicator, v.value, t.ancestor, t.distance
    from vals as v
    inner join sum_tree as t on t.component = v.indicator
),

sum_cover as (
    select vp.region, vp.campaign, vp.indicator, min(vp.distance) as cover_distance
    from val_parts as vp
    inner join vals as p
        on p.region = vp.region and p.campaign = vp.campaign and p.indicator = vp.ancestor
    group by vp.region, vp.campaign, vp.indicator
),

sums as (
    select vp.region, vp.campaign, vp.ancestor as indicator, sum(vp.value) as value
    from val_parts as vp
    left join sum_cover as c
        on c.region = vp.region and c.campaign = vp.campaign and c.indicator = vp.indicator
    where c.cover_distance is null or vp.distance < c.cover_distance
    group by vp.region, vp.campaign, vp.ancestor
),

-- stored/aggregated value if present, else the computed sum
effective as (
    select region, campaign, indicator, value from vals
    union all
    select s.region, s.campaign, s.indicator, s.value
    from sums as s
    where not exists (
        select 1 from vals as v
        where v.region = s.region and v.campaign = s.campaign and v.indicator = s.indicator
    )
),

ratios as (
    select n.region, n.campaign, cn.indicator, n.value / nullif(d.value, 0) as value
    from calc as cn
    inner join calc as cd on cd.indicator = cn.indicator and cd.calculation = 'DENOMINATOR'
    inner join effective as n on n.indicator = cn.component
    inner join effective as d
        on d.indicator = cd.component and d.region = n.region and d.campaign = n.campaign
    where cn.calculation = 'NUMERATOR'
),

differences as (
    select w.region, w.campaign, cw.indicator, (w.value - p.value) / nullif(w.value, 0) as value
    from calc as cw
    inner join calc as cp on cp.indicator = cw.indicator and cp.calculation = 'PART_OF_DIFFERENCE'
    inner join effective as w on w.indicator = cw.component
    inner join effective as p
        on p.indicator = cp.component and p.region = w.region and p.campaign = w.campaign
    where cw.calculation = 'WHOLE_OF_DIFFERENCE'
),

calculated as (
    select distinct on (region, campaign, indicator) region, campaign, indicator, value
    from (
        select *, 1 as preference from ratios
        union all
        select *, 2 from differences
        union all
        select *, 3 from sums
    ) as candidates
    order by region, campaign, indicator, preference
)

select region, campaign, indicator, value, false as is_calc, batch.change_hi as refreshed_through
from vals cross join batch
union all
select c.region, c.campaign, c.indicator, c.value, true, batch.change_hi
from calculated as c cross join batch
where not exists (
    select 1 from vals as v
    where v.region = c.region and v.campaign = c.campaign and v.indicator = c.indicator
)
{% if is_incremental() %}
union all
select null, campaign, null, null, null, batch.change_hi
from affected cross join batch
{% endif %}
