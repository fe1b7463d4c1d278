{{ config(materialized='view') }}
-- One value per (region, campaign, indicator), names not ids. A view over the incrementally
-- maintained merge (tombstones left out), so a refresh never copies every row.
select region, campaign, indicator, value, source_datapoint_id, document_id
from {{ ref('int_polio__datapoint_merge') }}
where source_datapoint_id is not null
