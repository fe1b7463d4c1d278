-- One row per entry field whose value does not fit its staging column (the field list and the
-- checks are in macros/mindtrails_fields.sql); the staging models leave these entries out.
{%- set scales = mindtrails_fields() %}
{%- for scale, fields in scales.items() %}
select
    d.server,
    d.scale,
    d.id as entry_id,
    f.field,
    left(f.value, 200) as value,
    f.reason,
    d.decoded_at
from {{ source('raw_mindtrails', 'decoded') }} as d
cross join lateral (values
    {%- for key in fields %}
    ('{{ key }}', d.payload ->> '{{ key }}', {{ mindtrails_problem(scale, key) }}){{ ',' if not loop.last }}
    {%- endfor %}
) as f (field, value, reason)
where d.scale = '{{ scale }}' and f.reason is not null
{{ 'union all' if not loop.last }}
{%- endfor %}
