{{ config(materialized='view') }}
-- mindtrails.attrition with a single-column row identifier for the portal. Counts per session
-- only: no participant id ever reaches this view.
select
    server || '/' || session_name as session_key,
    server,
    session_name,
    session_index,
    participants,
    percent_retained
from {{ ref('attrition') }}
