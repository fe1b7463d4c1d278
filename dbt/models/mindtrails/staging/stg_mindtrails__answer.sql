-- Every questionnaire of every website as long rows: one per entry and question (every field
-- of the entry but its id, participant and session, which become columns). Whatever scale a
-- website adds reaches the marts this way without a model of its own; OA and DASS21 are also
-- typed and scored in their own models. Encrypted personal fields (`*RSA`, e.g. emailRSA) are
-- not answers and stay out. The participant is the decrypted participantRSA (questionnaires)
-- or participantId (TaskLog, Participant); null when it cannot be decrypted or is no number.
with entries as (
    select
        server,
        scale,
        id as entry_id,
        payload,
        coalesce(
            case when not failed_fields ? 'participantRSA' then payload ->> 'participantRSA' end,
            payload ->> 'participantId'
        ) as participant,
        coalesce(payload ->> 'session', payload ->> 'sessionName') as session_name
    from {{ source('raw_mindtrails', 'decoded') }}
)
select
    e.server,
    e.scale,
    e.entry_id,
    case when pg_input_is_valid(e.participant, 'bigint') then e.participant::bigint end as participant_id,
    e.session_name,
    f.key as question,
    f.value #>> '{}' as answer
from entries as e
cross join lateral jsonb_each(e.payload) as f (key, value)
where f.key not in ('id', 'participantId', 'session', 'sessionName')
  and f.key not like '%RSA'
