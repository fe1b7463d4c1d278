{{ config(materialized='ephemeral') }}
-- The change log the incremental models read ranges of.
select change_id, change_kind, document_id, mapping_kind, source_string, region, campaign, indicator
from {{ source('raw_polio', 'change_log') }}
