-- Entries left out of the MindTrails models because a value does not fit its column, one row
-- per entry and field, with the reason. The refresh still succeeds; fix the entry on the
-- website (or in raw_mindtrails.decoded) and the next refresh takes it in.
select server, scale, entry_id, field, value, reason, decoded_at
from {{ ref('stg_mindtrails__bad_value') }}
