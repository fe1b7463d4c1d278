{#- The pre_hook of the polio models that join every fact on a full build.
    A full build reads all facts, so it wants hash joins and in-memory sorts; the planner cannot
    estimate the CTEs and picked nested loops or merge joins spilling to disk (5-10x slower).
    An incremental run touches a few campaigns, where the planner's own choice is right. -#}
{% macro polio_bulk_join_settings() -%}
set local work_mem = '64MB'{% if not is_incremental() %}; set local enable_nestloop = off; set local enable_mergejoin = off{% endif %}
{%- endmacro %}
