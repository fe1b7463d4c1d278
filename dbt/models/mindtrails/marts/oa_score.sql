-- OASIS total per entry: the mean of the valid answers (0-4) times 5, so a skipped question or a
-- 555 ("prefer not to answer") does not pull the score down; null when no answer is valid.
with answers as (
    select oa.server, oa.entry_id, oa.participant_id, oa.session_name, oa.completed_at, a.answer
    from {{ ref('stg_mindtrails__oa') }} as oa
    cross join lateral (values
        (oa.anxious_freq), (oa.anxious_sev), (oa.avoid), (oa.interfere), (oa.interfere_social)
    ) as a (answer)
)
select
    server,
    entry_id,
    participant_id,
    session_name,
    completed_at,
    count(*) filter (where answer between 0 and 4) as valid_items,
    count(*) filter (where answer = 555) as prefer_not_items,
    avg(answer) filter (where answer between 0 and 4)::float8 * 5 as oa_total
from answers
group by server, entry_id, participant_id, session_name, completed_at
