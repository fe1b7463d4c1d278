{#- A condition on a fact id column: the fact belongs to a document from `first_document` to
    `last_document` (SQL expressions; no upper bound when `last_document` is none). A fact's id is
    document_id * 2^32 + its line (include/sql/polio.sql), so this is an id range, which the BRIN
    index of the fact tables answers; a condition on document_id (computed from the id) is not. -#}
{% macro polio_fact_ids_of_documents(column, first_document, last_document=none) -%}
    {{ column }} >= ({{ first_document }}) * 4294967296
    {%- if last_document is not none %} and {{ column }} < (({{ last_document }}) + 1) * 4294967296{% endif %}
{%- endmacro %}
