-- DASS21 entries: 21 items answered 0-3; 555 = "prefer not to answer".
select
    server,
    id as entry_id,
    case when not decrypt_failed then (payload ->> 'participantRSA')::bigint end as participant_id,
    payload ->> 'session' as session_name,
    (payload ->> 'date')::timestamptz as completed_at,
    (payload ->> 'timeOnPage')::numeric as time_on_page,
    {%- for i in range(1, 22) %}
    (payload ->> 'dass_{{ '%02d' % i }}')::integer as dass_{{ '%02d' % i }},
    {%- endfor %}
    decrypt_failed
from {{ source('raw_mindtrails', 'decoded') }}
where scale = 'DASS21'
