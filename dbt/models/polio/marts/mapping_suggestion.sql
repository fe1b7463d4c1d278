{{ config(materialized='view') }}
-- Suggested masters for each string still unmapped (computed by polio_refresh's suggest_mappings
-- and by polio_mapping_review; see plugins/tributary/polio/suggest.py). A view over the raw
-- table, so a string mapped since drops out at once.
select s.kind, s.source_string, s.rank, s.master, s.score, s.reason, s.computed_at
from {{ source('raw_polio', 'mapping_suggestion') }} as s
where not exists (
    select 1 from {{ ref('stg_polio__mapping') }} as m
    where m.kind = s.kind and m.source_string = s.source_string
)
