-- Per participant: tasks expected so far (every task of the sessions before their current one;
-- all of them once COMPLETE), tasks completed (distinct session × task in the TaskLog among
-- those), and what is missing.
with participant as (
    select p.server, p.participant_id, p.current_session,
           coalesce(cur.session_index, case when p.current_session = 'COMPLETE' then 2147483647 end)
               as current_index
    from {{ ref('stg_mindtrails__participant') }} as p
    left join {{ ref('int_mindtrails__study_session') }} as cur
        on cur.server = p.server and cur.session_name = p.current_session
),
expected as (
    select p.server, p.participant_id, count(st.task_name) as tasks_expected
    from participant as p
    left join {{ ref('stg_mindtrails__study_task') }} as st
        on st.server = p.server and st.session_index < p.current_index
    group by p.server, p.participant_id
),
completed as (
    select p.server, p.participant_id,
           count(distinct (t.session_name, t.task_name)) as tasks_completed
    from participant as p
    join {{ ref('stg_mindtrails__task_log') }} as t using (server, participant_id)
    join {{ ref('stg_mindtrails__study_task') }} as st
        on st.server = t.server and st.session_name = t.session_name and st.task_name = t.task_name
    where st.session_index < p.current_index
    group by p.server, p.participant_id
)
select
    p.server,
    p.participant_id,
    p.current_session,
    e.tasks_expected,
    coalesce(c.tasks_completed, 0) as tasks_completed,
    e.tasks_expected - coalesce(c.tasks_completed, 0) as tasks_missing,
    case when e.tasks_expected > 0
        then 1 - coalesce(c.tasks_completed, 0)::float8 / e.tasks_expected end as missing_rate
from participant as p
join expected as e using (server, participant_id)
left join completed as c using (server, participant_id)
