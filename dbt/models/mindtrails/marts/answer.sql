-- The answers of every questionnaire, long (see stg_mindtrails__answer), with the answer also as
-- a number where it is one and "prefer not to answer" (555 or the text) flagged.
select
    server,
    scale,
    entry_id,
    participant_id,
    session_name,
    question,
    answer,
    case when pg_input_is_valid(answer, 'numeric') then answer::numeric end as answer_number,
    coalesce(answer in ('555', 'Prefer not to answer'), false) as prefer_not
from {{ ref('stg_mindtrails__answer') }}
