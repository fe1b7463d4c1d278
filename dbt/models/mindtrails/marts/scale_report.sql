-- Per website and task: entries the TaskLog says were completed, entries in the data set, and
-- the share missing (1 - data set / TaskLog). Entries stay counted after the website deletes them.
with logged as (
    select server, task_name, count(*) as tasklog_entries
    from {{ ref('stg_mindtrails__task_log') }}
    group by server, task_name
),
dataset as (
    select server, scale as task_name, count(*) as dataset_entries
    from {{ source('raw_mindtrails', 'decoded') }}
    group by server, scale
)
select
    l.server,
    l.task_name,
    l.tasklog_entries,
    coalesce(d.dataset_entries, 0) as dataset_entries,
    1 - coalesce(d.dataset_entries, 0)::float8 / l.tasklog_entries as missing_rate
from logged as l
left join dataset as d using (server, task_name)
