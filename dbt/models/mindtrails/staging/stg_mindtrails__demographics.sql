-- Demographics entries; "prefer not to answer" (555 or the text) becomes null, flagged.
select
    server,
    id as entry_id,
    case when not decrypt_failed then (payload ->> 'participantRSA')::bigint end as participant_id,
    payload ->> 'session' as session_name,
    (payload ->> 'date')::timestamptz as completed_at,
    nullif(payload ->> 'gender', 'Prefer not to answer') as gender,
    nullif((payload ->> 'birthYear')::integer, 555) as birth_year,
    payload ->> 'education' as education,
    nullif(payload ->> 'income', 'Prefer not to answer') as income,
    payload ->> 'country' as country,
    (payload ->> 'birthYear')::integer = 555
        or payload ->> 'gender' = 'Prefer not to answer'
        or payload ->> 'income' = 'Prefer not to answer' as any_prefer_not,
    decrypt_failed
from {{ source('raw_mindtrails', 'decoded') }}
where scale = 'Demographics'
