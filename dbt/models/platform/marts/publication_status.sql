{{ config(materialized='view', schema='publish') }}
-- Every declared publication at a glance: the dbt exposures with meta.socrata (read from the
-- project graph when dbt builds the view, so never-run publications show too) joined with their
-- last run, their last run that changed the portal, and whether the portal holds the source's
-- rows. A view: always as current as publish.run.
with declared (publication, declared_dataset_id, mart) as (
    values
    {%- set rows = [] %}
    {%- for exposure in graph.exposures.values() | sort(attribute='name') %}
        {%- set meta = exposure.config.meta if exposure.config.meta.socrata is defined else exposure.meta %}
        {%- if meta.socrata is defined %}
            {%- set node = graph.nodes[exposure.depends_on.nodes[0]] if exposure.depends_on.nodes else none %}
            {%- do rows.append("(" ~ dbt.string_literal(exposure.name) ~ ", "
                ~ (dbt.string_literal(meta.socrata.dataset_id) if meta.socrata.dataset_id else "null") ~ "::text, "
                ~ (dbt.string_literal(node.schema ~ "." ~ (node.alias or node.name)) if node else "null") ~ "::text)") %}
        {%- endif %}
    {%- endfor %}
    {{ rows | join(",\n    ") if rows else "(null::text, null::text, null::text)" }}
),

runs as (
    select *
    from {{ ref('stg_platform__publish_run') }}
    where publication is not null
),

last_run as (
    select distinct on (publication) *
    from runs
    order by publication, run_id desc
),

last_change as (
    select publication, max(finished_at) as last_change_sent_at
    from runs
    where status = 'succeeded' and not simulate and rows_sent + deletes_sent > 0
    group by publication
),

last_verified as (
    select distinct on (publication) publication, source_rows, portal_rows, verified_at
    from runs
    where verified_at is not null
    order by publication, run_id desc
)

select
    d.publication,
    coalesce(r.dataset_id, d.declared_dataset_id) as dataset_id,
    d.mart,
    r.run_id as last_run_id,
    coalesce(r.finished_at, r.started_at) as last_run_at,
    r.status as last_run_status,
    r.simulate as last_run_simulated,
    r.rows_sent + r.deletes_sent as last_run_rows_sent,
    v.portal_rows as rows_on_portal,
    v.source_rows as rows_in_source,
    v.verified_at,
    c.last_change_sent_at,
    case
        when r.run_id is null then 'never run'
        when r.status = 'running' then 'running'
        when r.status = 'failed' then 'failed'
        when r.simulate then 'simulated'
        when v.portal_rows is distinct from v.source_rows then 'count mismatch'
        else 'in sync'
    end as status,
    r.error as last_error
from declared as d
left join last_run as r using (publication)
left join last_change as c using (publication)
left join last_verified as v using (publication)
where d.publication is not null
