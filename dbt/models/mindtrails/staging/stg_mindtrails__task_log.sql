-- TaskLog: one row per task a participant completed, as the website logged it.
select
    server,
    id as task_log_id,
    (payload ->> 'participantId')::bigint as participant_id,
    payload ->> 'sessionName' as session_name,
    payload ->> 'taskName' as task_name,
    (payload ->> 'dateCompleted')::timestamptz as completed_at
from {{ source('raw_mindtrails', 'decoded') }}
where scale = 'TaskLog'
