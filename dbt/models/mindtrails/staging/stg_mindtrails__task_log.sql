-- TaskLog: one row per task a participant completed, as the website logged it.
-- Rows with a value that does not fit its column are in mindtrails.entry_reject instead.
select
    server,
    id as task_log_id,
    {{ mindtrails_value('TaskLog', 'participantId') }} as participant_id,
    {{ mindtrails_value('TaskLog', 'sessionName') }} as session_name,
    {{ mindtrails_value('TaskLog', 'taskName') }} as task_name,
    {{ mindtrails_value('TaskLog', 'dateCompleted') }} as completed_at
from {{ source('raw_mindtrails', 'decoded') }}
where scale = 'TaskLog' and {{ mindtrails_entry_fits('TaskLog') }}
