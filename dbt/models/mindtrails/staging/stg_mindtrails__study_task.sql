-- The study's schedule: which tasks each session asks for, sessions in order.
select
    s.server,
    sess ->> 'name' as session_name,
    (sess ->> 'index')::integer as session_index,
    task.value as task_name
from {{ source('raw_mindtrails', 'study') }} as s
cross join lateral jsonb_array_elements(s.schedule -> 'sessions') as sess
cross join lateral jsonb_array_elements_text(sess -> 'tasks') as task
