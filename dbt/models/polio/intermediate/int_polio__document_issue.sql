{{
  config(
    pre_hook="{{ polio_bulk_join_settings() }}",
    post_hook='analyze {{ this }}',
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    indexes=[{'columns': ['document_id']}],
  )
}}
-- Per loaded document, once: the strings it uses (with fact counts) and its rejected values, plus
-- a 'processed' marker so that documents with neither are not read again.
with docs as (
    select document_id from {{ ref('stg_polio__document') }}
    {% if is_incremental() %}
    where document_id > (select coalesce(max(document_id), 0) from {{ this }})
    {% endif %}
),

facts as (
    select f.*
    from {{ ref('stg_polio__source_datapoint') }} as f
    where f.document_id in (select document_id from docs)
    {% if is_incremental() %}
      -- a scalar bound on the id as well, so the planner reads only the new documents by index
      and {{ polio_fact_ids_of_documents('f.source_datapoint_id',
              '(select coalesce(max(document_id), 0) + 1 from ' ~ this ~ ')') }}
    {% endif %}
)

select document_id, 'processed' as issue, null::text as kind, null::text as source_string,
       null::bigint as rows, null::bigint as row_number, null::text as value_string,
       null::text as reason
from docs
union all
select f.document_id, 'string', s.kind, s.source_string, count(*), null, null, null
from facts as f
cross join lateral (
    values ('region', f.region_string), ('campaign', f.campaign_string),
           ('indicator', f.indicator_string)
) as s (kind, source_string)
where s.source_string <> ''
group by f.document_id, s.kind, s.source_string
union all
select document_id, 'rejected_value', null, null, null, row_number, value_string, value_problem
from facts
where value_problem is not null
