-- DASS21 subscales per entry: each is the mean of its seven valid answers (0-3) times 7 (the
-- usual 0-21 sum, prorated over skipped or 555 answers); null when none is valid.
{%- set subscales = {
    'depression': [3, 5, 10, 13, 16, 17, 21],
    'anxiety': [2, 4, 7, 9, 15, 19, 20],
    'stress': [1, 6, 8, 11, 12, 14, 18],
} %}
select
    server,
    entry_id,
    participant_id,
    session_name,
    completed_at,
    {%- for name, items in subscales.items() %}
    {%- set arr -%}
    array[{% for i in items %}dass_{{ '%02d' % i }}{{ ', ' if not loop.last }}{% endfor %}]
    {%- endset %}
    (select avg(a)::float8 * 7 from unnest({{ arr }}) as a where a between 0 and 3) as {{ name }},
    (select count(*) from unnest({{ arr }}) as a where a between 0 and 3) as {{ name }}_valid_items{{ ',' if not loop.last }}
    {%- endfor %}
from {{ ref('stg_mindtrails__dass21') }}
