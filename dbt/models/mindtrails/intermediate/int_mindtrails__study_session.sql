-- Sessions of each study in order (from the schedule), with how many tasks each asks for.
select
    server,
    session_name,
    session_index,
    count(*) as tasks_scheduled
from {{ ref('stg_mindtrails__study_task') }}
group by server, session_name, session_index
