{{ config(materialized='view') }}
-- Stored values (is_agg false) and aggregates up the region tree (is_agg true).
select region, campaign, indicator, value, is_agg
from {{ ref('int_polio__agg_datapoint') }}
where region is not null
