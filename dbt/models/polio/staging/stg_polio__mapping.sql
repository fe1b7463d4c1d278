{{ config(materialized='ephemeral') }}
-- Current mappings, one per (kind, source_string).
select kind, source_string, master
from {{ source('raw_polio', 'mapping') }}
