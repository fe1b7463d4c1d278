select
    load_id,
    split_part(target, '.', 1) as target_schema,
    split_part(target, '.', 2) as target_table,
    mode,
    rows_in,
    inserted,
    updated,
    deleted,
    started_at,
    started_at::date as load_date,
    seconds
from {{ source('raw_platform', 'load') }}
