{{ config(materialized='ephemeral') }}
-- Documents that loaded (failed ones have no facts).
select document_id, file_name, loaded_at
from {{ source('raw_polio', 'document') }}
where status = 'loaded'
