select
    target_schema,
    target_table,
    load_date,
    count(*) as loads,
    sum(rows_in) as rows_in,
    sum(inserted) as inserted,
    sum(updated) as updated,
    sum(deleted) as deleted,
    sum(seconds) as seconds
from {{ ref('stg_platform__load') }}
group by target_schema, target_table, load_date
