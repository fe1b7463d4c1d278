-- Participants reaching each session (at least one task logged in it) and the percent of those
-- who started the study (the first session) still there.
with reached as (
    select server, session_name, count(distinct participant_id) as participants
    from {{ ref('stg_mindtrails__task_log') }}
    group by server, session_name
),
sessions as (
    select s.server, s.session_name, s.session_index, coalesce(r.participants, 0) as participants
    from {{ ref('int_mindtrails__study_session') }} as s
    left join reached as r using (server, session_name)
)
select
    server,
    session_name,
    session_index,
    participants,
    round(100.0 * participants / nullif(first_value(participants) over (
        partition by server order by session_index), 0), 2) as percent_retained
from sessions
