-- Participants: where each one is in the study. The email is decrypted (emailRSA).
-- Rows with a value that does not fit its column are in mindtrails.entry_reject instead.
select
    server,
    id as participant_row_id,
    {{ mindtrails_value('Participant', 'participantId') }} as participant_id,
    {{ mindtrails_value('Participant', 'currentSession') }} as current_session,
    {{ mindtrails_value('Participant', 'active') }} as active,
    {{ mindtrails_value('Participant', 'created') }} as created_at,
    case when not decrypt_failed then {{ mindtrails_value('Participant', 'emailRSA') }} end as email,
    decrypt_failed
from {{ source('raw_mindtrails', 'decoded') }}
where scale = 'Participant' and {{ mindtrails_entry_fits('Participant') }}
