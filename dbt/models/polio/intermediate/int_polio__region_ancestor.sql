{{ config(materialized='ephemeral') }}
-- Every region with each of its ancestors (and itself at distance 0).
-- Ephemeral: a few thousand rows, computed inside int_polio__agg_datapoint (its only user),
-- which saves polio_refresh a task (cosmos' per-task start-up is most of an incremental run).
with recursive tree as (
    select region, region as ancestor, 0 as distance
    from {{ ref('stg_polio__region') }}
    union all
    select tree.region, r.parent as ancestor, tree.distance + 1
    from tree
    inner join {{ ref('stg_polio__region') }} as r on r.region = tree.ancestor
    where r.parent is not null and tree.distance < 64  -- polio_metadata refuses cycles; belt and braces
)

select region, ancestor, distance
from tree
