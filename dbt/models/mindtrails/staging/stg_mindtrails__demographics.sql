-- Demographics entries; "prefer not to answer" (555 or the text) becomes null, flagged.
-- Entries with a value that does not fit its column are in mindtrails.entry_reject instead.
with typed as (
    select
        server,
        id as entry_id,
        case when not decrypt_failed then {{ mindtrails_value('Demographics', 'participantRSA') }} end as participant_id,
        {{ mindtrails_value('Demographics', 'session') }} as session_name,
        {{ mindtrails_value('Demographics', 'date') }} as completed_at,
        {{ mindtrails_value('Demographics', 'gender') }} as gender,
        {{ mindtrails_value('Demographics', 'birthYear') }} as birth_year,
        {{ mindtrails_value('Demographics', 'education') }} as education,
        {{ mindtrails_value('Demographics', 'income') }} as income,
        {{ mindtrails_value('Demographics', 'country') }} as country,
        decrypt_failed
    from {{ source('raw_mindtrails', 'decoded') }}
    where scale = 'Demographics' and {{ mindtrails_entry_fits('Demographics') }}
)
select
    server,
    entry_id,
    participant_id,
    session_name,
    completed_at,
    nullif(gender, 'Prefer not to answer') as gender,
    nullif(birth_year, 555) as birth_year,
    education,
    nullif(income, 'Prefer not to answer') as income,
    country,
    birth_year = 555
        or gender = 'Prefer not to answer'
        or income = 'Prefer not to answer' as any_prefer_not,
    decrypt_failed
from typed
