{{ config(materialized='view') }}
-- polio.datapoint_with_computed with a row identifier the portal can match on: md5 of region,
-- campaign and indicator, the value's key (a view, so an incremental refresh costs nothing here).
select
    md5(region || '|' || campaign || '|' || indicator) as datapoint_id,
    region,
    campaign,
    indicator,
    value,
    is_calc
from {{ ref('datapoint_with_computed') }}
