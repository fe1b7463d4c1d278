{{ config(materialized='ephemeral') }}
-- How calculated indicators derive from their components.
select indicator, component, calculation
from {{ source('raw_polio', 'calculated_indicator_component') }}
