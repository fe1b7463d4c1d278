{#- A source string without the white space around it: spaces, tabs, line breaks and the
    no-break space that spreadsheets put in cells. -#}
{% macro polio_trim(expression) -%}
    btrim({{ expression }}, E' \t\r\n\u00a0')
{%- endmacro %}
