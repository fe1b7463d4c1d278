-- One row per participant and session they reached: tasks done, the session's OA and DASS21
-- scores (the latest entry if there are several) and the participant's demographics.
with visits as (
    select server, participant_id, session_name,
           min(completed_at) as started_at, max(completed_at) as last_task_at,
           count(*) as tasks_completed
    from {{ ref('stg_mindtrails__task_log') }}
    group by server, participant_id, session_name
),
oa as (
    select distinct on (server, participant_id, session_name) *
    from {{ ref('oa_score') }}
    where participant_id is not null
    order by server, participant_id, session_name, completed_at desc, entry_id desc
),
dass as (
    select distinct on (server, participant_id, session_name) *
    from {{ ref('dass21_score') }}
    where participant_id is not null
    order by server, participant_id, session_name, completed_at desc, entry_id desc
),
demo as (
    select distinct on (server, participant_id) *
    from {{ ref('stg_mindtrails__demographics') }}
    where participant_id is not null
    order by server, participant_id, completed_at desc, entry_id desc
)
select
    v.server,
    v.participant_id,
    v.session_name,
    s.session_index,
    v.started_at,
    v.last_task_at,
    v.tasks_completed,
    oa.oa_total,
    oa.valid_items as oa_valid_items,
    dass.depression as dass21_depression,
    dass.anxiety as dass21_anxiety,
    dass.stress as dass21_stress,
    demo.gender,
    demo.birth_year,
    demo.education,
    demo.country
from visits as v
left join {{ ref('int_mindtrails__study_session') }} as s using (server, session_name)
left join oa using (server, participant_id, session_name)
left join dass using (server, participant_id, session_name)
left join demo using (server, participant_id)
