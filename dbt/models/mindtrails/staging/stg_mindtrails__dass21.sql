-- DASS21 entries: 21 items answered 0-3; 555 = "prefer not to answer".
-- Entries with a value that does not fit its column are in mindtrails.entry_reject instead.
select
    server,
    id as entry_id,
    case when not decrypt_failed then {{ mindtrails_value('DASS21', 'participantRSA') }} end as participant_id,
    {{ mindtrails_value('DASS21', 'session') }} as session_name,
    {{ mindtrails_value('DASS21', 'date') }} as completed_at,
    {{ mindtrails_value('DASS21', 'timeOnPage') }} as time_on_page,
    {%- for i in range(1, 22) %}
    {{ mindtrails_value('DASS21', 'dass_%02d' % i) }} as dass_{{ '%02d' % i }},
    {%- endfor %}
    decrypt_failed
from {{ source('raw_mindtrails', 'decoded') }}
where scale = 'DASS21' and {{ mindtrails_entry_fits('DASS21') }}
