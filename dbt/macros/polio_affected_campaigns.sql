{#- The incremental scope of the polio models maintained per campaign (int_polio__agg_datapoint,
    int_polio__computed_datapoint): which campaigns this refresh rebuilds.

    Emits three CTEs, each followed by a comma, for use inside `{% if is_incremental() %}` after a
    CTE `batch` (change_hi, from int_polio__refresh_batch):
      watermark      - change_lo: the highest change id this model has processed;
      master_changed - a row when master data changed in (change_lo, change_hi];
      affected       - the campaigns to rebuild: those of `upstream` rows written after the
                       watermark and, when master data changed, every campaign of `upstream` and
                       of this model (a campaign that lost all its rows is rebuilt empty).
    `upstream` is the relation the model is built from (a ref); its rows carry refreshed_through.
    Filter with `campaign = any (array(select campaign from affected))`: a scalar array lets the
    planner read the few affected campaigns by index instead of scanning every row. -#}
{% macro polio_affected_campaigns(upstream) %}
watermark as (
    select coalesce(max(refreshed_through), 0) as change_lo from {{ this }}
),

master_changed as (
    select 1
    from {{ ref('stg_polio__change') }} as ch
    cross join batch
    cross join watermark
    where ch.change_kind = 'master' and ch.change_id > watermark.change_lo
      and ch.change_id <= batch.change_hi
),

affected as (
    select distinct u.campaign
    from {{ upstream }} as u
    where u.refreshed_through > (select change_lo from watermark)
    union
    select distinct campaign from {{ upstream }}
    where exists (select 1 from master_changed)
    union
    select distinct campaign from {{ this }}
    where exists (select 1 from master_changed)
),
{% endmacro %}
