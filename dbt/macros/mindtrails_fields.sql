{#- The fields of each MindTrails scale that staging reads, with the Postgres type each must fit
    ("not null" = the entry is useless without it). Staging reads a field only through
    mindtrails_value(), and stg_mindtrails__bad_value checks every field listed here, so a value
    that does not fit its column (a participant id that is not a number, a date that is not a
    date, a 1 MB answer) makes its entry a reject with a reason in mindtrails.entry_reject,
    never a failed refresh. Needs Postgres 16+ (pg_input_is_valid). -#}
{% macro mindtrails_fields(scale=none) %}
    {%- set entry = {'participantRSA': 'bigint', 'session': 'text', 'date': 'timestamptz'} -%}
    {%- set oa = dict(entry, timeOnPage='numeric') -%}
    {%- for item in ['anxious_freq', 'anxious_sev', 'avoid', 'interfere', 'interfere_social'] -%}
        {%- do oa.update({item: 'integer'}) -%}
    {%- endfor -%}
    {%- set dass21 = dict(entry, timeOnPage='numeric') -%}
    {%- for i in range(1, 22) -%}
        {%- do dass21.update({'dass_%02d' % i: 'integer'}) -%}
    {%- endfor -%}
    {%- set fields = {
        'OA': oa,
        'DASS21': dass21,
        'Demographics': dict(entry, gender='text', birthYear='integer', education='text',
                             income='text', country='text'),
        'TaskLog': {'participantId': 'bigint not null', 'sessionName': 'text',
                    'taskName': 'text', 'dateCompleted': 'timestamptz'},
        'Participant': {'participantId': 'bigint not null', 'currentSession': 'text',
                        'active': 'boolean', 'created': 'timestamptz', 'emailRSA': 'text'},
    } -%}
    {{ return(fields[scale] if scale else fields) }}
{% endmacro %}

{#- The longest text a staging column takes (the platform's cell limit, 64 KB). -#}
{% macro mindtrails_max_text() %}{{ return(65536) }}{% endmacro %}

{#- Why the field ``key`` of an entry (a row of raw_mindtrails.decoded) does not fit, or null. -#}
{% macro mindtrails_problem(scale, key) -%}
    {%- set spec = mindtrails_fields(scale)[key] -%}
    {%- set type = spec.split(' ')[0] -%}
    {%- set value = "payload ->> '" ~ key ~ "'" -%}
    case
        when {{ value }} is null then {{ "'missing, but every entry needs it'" if 'not null' in spec else 'null' }}
        when failed_fields ? '{{ key }}' then null  -- flagged decrypt_failed, not a reject
        {%- if type == 'text' %}
        when length({{ value }}) > {{ mindtrails_max_text() }}
            then 'longer than {{ mindtrails_max_text() }} characters (' || length({{ value }}) || ')'
        {%- else %}
        when not pg_input_is_valid({{ value }}, '{{ type }}')
            then 'not a {{ type }}: ' || left((pg_input_error_info({{ value }}, '{{ type }}')).message, 200)
        {%- endif %}
    end
{%- endmacro %}

{#- The field as its typed value; null when it does not fit (such entries are filtered out). -#}
{% macro mindtrails_value(scale, key) -%}
    {%- set type = mindtrails_fields(scale)[key].split(' ')[0] -%}
    {%- if type == 'text' -%}
    case when length(payload ->> '{{ key }}') <= {{ mindtrails_max_text() }} then payload ->> '{{ key }}' end
    {%- else -%}
    case when pg_input_is_valid(payload ->> '{{ key }}', '{{ type }}') then (payload ->> '{{ key }}')::{{ type }} end
    {%- endif -%}
{%- endmacro %}

{#- True when every field of the entry fits: the staging models keep only these entries. -#}
{% macro mindtrails_entry_fits(scale) -%}
    ({% for key in mindtrails_fields(scale) %}
        ({{ mindtrails_problem(scale, key) }}) is null{{ ' and' if not loop.last }}
    {%- endfor %})
{%- endmacro %}
