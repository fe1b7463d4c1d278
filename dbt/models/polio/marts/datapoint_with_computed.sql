{{ config(materialized='view') }}
-- Stored and aggregated values (is_calc false) plus calculated indicators (is_calc true).
select region, campaign, indicator, value, is_calc
from {{ ref('int_polio__computed_datapoint') }}
where region is not null
