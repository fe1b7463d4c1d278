{#- Use a model's custom schema as written (`polio`, not `public_polio`): the marts schemas are
    part of the public surface. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
