{{ config(materialized='table', post_hook='analyze {{ this }}') }}
-- The upper bound of this refresh: every incremental model processes changes up to change_hi
-- (and after its own last watermark), so all of them see the same set of changes.
select
    coalesce(max(change_id), 0) as change_hi,
    now() as built_at
from {{ ref('stg_polio__change') }}
