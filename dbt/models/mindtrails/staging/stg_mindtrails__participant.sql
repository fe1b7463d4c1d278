-- Participants: where each one is in the study. The email is decrypted (emailRSA).
select
    server,
    id as participant_row_id,
    (payload ->> 'participantId')::bigint as participant_id,
    payload ->> 'currentSession' as current_session,
    (payload ->> 'active')::boolean as active,
    (payload ->> 'created')::timestamptz as created_at,
    case when not decrypt_failed then payload ->> 'emailRSA' end as email,
    decrypt_failed
from {{ source('raw_mindtrails', 'decoded') }}
where scale = 'Participant'
