-- OASIS (OA) entries: five anxiety items answered 0-4; 555 = "prefer not to answer".
-- Entries with a value that does not fit its column are in mindtrails.entry_reject instead.
select
    server,
    id as entry_id,
    case when not decrypt_failed then {{ mindtrails_value('OA', 'participantRSA') }} end as participant_id,
    {{ mindtrails_value('OA', 'session') }} as session_name,
    {{ mindtrails_value('OA', 'date') }} as completed_at,
    {{ mindtrails_value('OA', 'timeOnPage') }} as time_on_page,
    {%- for item in ['anxious_freq', 'anxious_sev', 'avoid', 'interfere', 'interfere_social'] %}
    {{ mindtrails_value('OA', item) }} as {{ item }},
    {%- endfor %}
    decrypt_failed
from {{ source('raw_mindtrails', 'decoded') }}
where scale = 'OA' and {{ mindtrails_entry_fits('OA') }}
