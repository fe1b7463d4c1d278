-- depends_on: {{ ref('stg_polio__change') }}
{{
  config(
    pre_hook="{{ polio_bulk_join_settings() }}",
    post_hook="{{ polio_table_upkeep(not_null=['campaign', 'region', 'indicator', 'refreshed_through'],
                                     rare='source_datapoint_id is null or value is null') }}",
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['region', 'campaign', 'indicator'],
    on_schema_change='fail',
    indexes=[
      {'columns': ['campaign', 'region', 'indicator'], 'unique': true},
      {'columns': ['refreshed_through']},
    ],
  )
}}
-- The winning value of every (region, campaign, indicator): a data-entry value always wins;
-- otherwise the latest document, and in it the last row. Only mapped facts with a clean value
-- compete (a blank or bad cell in a later document does not erase an earlier value).
--
-- Incremental runs touch only the keys the changes since the last run can affect:
--   * keys of newly loaded documents (their facts beat every older fact of the same key);
--   * keys of facts whose region/campaign/indicator string was (re)mapped, before and after;
--   * keys of changed data-entry values.
-- An affected key without a winner any more is written as a tombstone (null source id), which
-- the polio.datapoint view leaves out.

with batch as (
    select change_hi from {{ ref('int_polio__refresh_batch') }}
),

mapped as not materialized (
    select
        f.source_datapoint_id,
        f.document_id,
        f.row_number,
        f.region_string,
        f.campaign_string,
        f.indicator_string,
        r.master as region,
        c.master as campaign,
        i.master as indicator,
        f.value
    from {{ ref('stg_polio__source_datapoint') }} as f
    -- the mapping table itself, not the ephemeral stg_polio__mapping (the same columns): dbt
    -- inlines an ephemeral model as one CTE, which Postgres materializes when it is joined three
    -- times, without an index; a refresh's few new facts (estimated at a handful of rows) were
    -- then nested-looped over every mapping row, 20,000 new facts x 2,000 regions = 8 s. The
    -- table's primary key (kind, source_string) makes each lookup an index probe.
    inner join {{ source('raw_polio', 'mapping') }} as r on r.kind = 'region' and r.source_string = f.region_string
    inner join {{ source('raw_polio', 'mapping') }} as c on c.kind = 'campaign' and c.source_string = f.campaign_string
    inner join {{ source('raw_polio', 'mapping') }} as i on i.kind = 'indicator' and i.source_string = f.indicator_string
    where f.value is not null
),

entries as (
    select region, campaign, indicator, value from {{ ref('stg_polio__data_entry') }}
),

{% if is_incremental() %}

changes as (
    select ch.*
    from {{ ref('stg_polio__change') }} as ch
    cross join batch
    where ch.change_id > (select coalesce(max(refreshed_through), 0) from {{ this }})
      and ch.change_id <= batch.change_hi
),

remapped as (
    select distinct mapping_kind as kind, source_string from changes where change_kind = 'mapping'
),

new_facts as (
    select m.*
    from mapped as m
    -- the id range first, as scalars, so the planner reads only those documents by index
    -- (documents load one at a time, so the new ones are exactly the range)
    where {{ polio_fact_ids_of_documents('m.source_datapoint_id',
            "(select min(document_id) from changes where change_kind = 'document')",
            "(select max(document_id) from changes where change_kind = 'document')") }}
      and m.document_id in (select document_id from changes where change_kind = 'document')
),

-- keys whose candidates must be read again from all facts
rescan_keys as (
    select region, campaign, indicator from changes where change_kind = 'data_entry'
    union
    select t.region, t.campaign, t.indicator
    from {{ this }} as t
    where exists (select 1 from remapped)
      and (t.region_string in (select source_string from remapped where kind = 'region')
        or t.campaign_string in (select source_string from remapped where kind = 'campaign')
        or t.indicator_string in (select source_string from remapped where kind = 'indicator'))
    union
    select m.region, m.campaign, m.indicator
    from mapped as m
    where exists (select 1 from remapped)
      and (m.region_string in (select source_string from remapped where kind = 'region')
        or m.campaign_string in (select source_string from remapped where kind = 'campaign')
        or m.indicator_string in (select source_string from remapped where kind = 'indicator'))
),

affected_keys as (
    select region, campaign, indicator from new_facts
    union
    select region, campaign, indicator from rescan_keys
),

candidates as (
    select region, campaign, indicator, value, -1::bigint as source_datapoint_id,
           null::bigint as document_id, null::bigint as row_number,
           null::text as region_string, null::text as campaign_string, null::text as indicator_string,
           1 as is_entry
    from entries
    where (region, campaign, indicator) in (select region, campaign, indicator from affected_keys)
    union all
    select region, campaign, indicator, value, source_datapoint_id, document_id, row_number,
           region_string, campaign_string, indicator_string, 0
    from new_facts
    union all
    -- the previous winner still stands for keys that only new documents touched
    select t.region, t.campaign, t.indicator, t.value, t.source_datapoint_id, t.document_id,
           t.row_number, t.region_string, t.campaign_string, t.indicator_string, 0
    from {{ this }} as t
    inner join affected_keys as k
        on k.region = t.region and k.campaign = t.campaign and k.indicator = t.indicator
    where t.source_datapoint_id > 0
      and (t.region, t.campaign, t.indicator) not in (select region, campaign, indicator from rescan_keys)
    union all
    select m.region, m.campaign, m.indicator, m.value, m.source_datapoint_id, m.document_id,
           m.row_number, m.region_string, m.campaign_string, m.indicator_string, 0
    from mapped as m
    where exists (select 1 from rescan_keys)
      and (m.region, m.campaign, m.indicator) in (select region, campaign, indicator from rescan_keys)
),

{% else %}

candidates as (
    select region, campaign, indicator, value, -1::bigint as source_datapoint_id,
           null::bigint as document_id, null::bigint as row_number,
           null::text as region_string, null::text as campaign_string, null::text as indicator_string,
           1 as is_entry
    from entries
    union all
    select region, campaign, indicator, value, source_datapoint_id, document_id, row_number,
           region_string, campaign_string, indicator_string, 0
    from mapped
),

{% endif %}

winners as (
    select distinct on (region, campaign, indicator) *
    from candidates
    order by region, campaign, indicator, is_entry desc, document_id desc, row_number desc,
             source_datapoint_id desc
)

{% if is_incremental() %}
select
    k.region, k.campaign, k.indicator,
    w.value, w.source_datapoint_id, w.document_id, w.row_number,
    w.region_string, w.campaign_string, w.indicator_string,
    batch.change_hi as refreshed_through
from affected_keys as k
cross join batch
left join winners as w
    on w.region = k.region and w.campaign = k.campaign and w.indicator = k.indicator
{% else %}
select
    w.region, w.campaign, w.indicator,
    w.value, w.source_datapoint_id, w.document_id, w.row_number,
    w.region_string, w.campaign_string, w.indicator_string,
    batch.change_hi as refreshed_through
from winners as w
cross join batch
{% endif %}
