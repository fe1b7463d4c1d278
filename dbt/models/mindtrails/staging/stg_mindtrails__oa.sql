-- OASIS (OA) entries: five anxiety items answered 0-4; 555 = "prefer not to answer".
select
    server,
    id as entry_id,
    case when not decrypt_failed then (payload ->> 'participantRSA')::bigint end as participant_id,
    payload ->> 'session' as session_name,
    (payload ->> 'date')::timestamptz as completed_at,
    (payload ->> 'timeOnPage')::numeric as time_on_page,
    {%- for item in ['anxious_freq', 'anxious_sev', 'avoid', 'interfere', 'interfere_social'] %}
    (payload ->> '{{ item }}')::integer as {{ item }},
    {%- endfor %}
    decrypt_failed
from {{ source('raw_mindtrails', 'decoded') }}
where scale = 'OA'
