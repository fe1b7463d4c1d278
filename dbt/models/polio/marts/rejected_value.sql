-- Facts whose value is neither blank nor readable as a number, percentage or yes/no.
select document_id, row_number, value_string, reason
from {{ ref('int_polio__document_issue') }}
where issue = 'rejected_value'
