{#- Post-hook of the incremental polio tables (int_polio__datapoint_merge, _agg_datapoint,
    _computed_datapoint): keeps their data tests cheap on every refresh without weakening them.

    - `not_null`: key columns get a NOT NULL constraint (set once, on the build that creates the
      table). A null key then fails the build itself, and the not_null tests on those columns (and
      on the mart views over them) cost nothing: Postgres plans `col is null` on a NOT NULL column
      as an empty result.
    - `rare`: a condition only a few rows meet (the tombstones): a partial index on (campaign)
      where it holds, created once. The views leave those rows out, so their not_null tests ask for
      rows meeting the condition and read them through this small index instead of every row.
    - `analyze` only when the table is new (no statistics yet). A refresh adds about
      1 % of rows; autovacuum's analyze keeps the statistics current after that, and the planner
      reads a new watermark's range from the index.
    Runs in the model's transaction; no DDL (and no exclusive lock) on a table that has it all. -#}
{% macro polio_table_upkeep(not_null=[], rare=none) %}
do $upkeep$
begin
    {%- for column in not_null %}
    if not (select attnotnull from pg_attribute
            where attrelid = '{{ this }}'::regclass and attname = '{{ column }}') then
        alter table {{ this }} alter column {{ column }} set not null;
    end if;
    {%- endfor %}
    {%- if rare %}
    if not exists (select 1 from pg_index
                   where indrelid = '{{ this }}'::regclass and indpred is not null) then
        create index on {{ this }} (campaign) where {{ rare }};
    end if;
    {%- endif %}
    if not exists (select 1 from pg_statistic where starelid = '{{ this }}'::regclass) then
        analyze {{ this }};
    end if;
end
$upkeep$
{% endmacro %}
