-- Raw tables of the polio domain (plugins/tributary/polio/). Idempotent: runs at every start.
-- Writers (ingest, metadata, mapping, data entry) serialise on one advisory lock and append to
-- raw_polio.change_log, so the incremental dbt models can read "what changed since my last run"
-- by id without missing a transaction that committed late.
create schema if not exists raw_polio;

-- One uploaded file. A failed document keeps its error and has no source datapoints. A long
-- document is loaded over several connections at once (plugins/tributary/polio/bulk.py): it is
-- 'loading' until every stream has committed, and only 'loaded' documents are read downstream.
create table if not exists raw_polio.document (
    document_id   bigint generated always as identity primary key,
    file_name     text not null,
    checksum      text not null,
    status        text not null,
    error         text,
    layout        text check (layout in ('long', 'wide')),
    encoding      text,
    facts         bigint not null default 0,
    rejected_rows bigint not null default 0,
    loaded_at     timestamptz not null default now()
);
alter table raw_polio.document drop column if exists first_source_datapoint_id,
                               drop column if exists first_row_number;
alter table raw_polio.document drop constraint if exists document_status_check;
alter table raw_polio.document add constraint document_status_check
    check (status in ('loading', 'loaded', 'failed'));
-- A document is the file and how it was read: `reading` holds the reading params (region_column,
-- campaign_column, ignore_columns sorted); documents of earlier versions were read with the
-- defaults. `source` is the input as given: the lake key, or the local path (older rows: null).
alter table raw_polio.document
    add column if not exists reading jsonb not null
        default '{"region_column": "region", "campaign_column": "campaign", "ignore_columns": []}',
    add column if not exists source text;
-- The same content read the same way loads once; a failed attempt does not block a later, fixed
-- upload. (The index of earlier versions, on checksum alone, is replaced once.)
do $$
begin
    if not exists (select 1 from pg_indexes where schemaname = 'raw_polio'
                   and indexname = 'document_checksum_loaded' and indexdef like '%reading%') then
        drop index if exists raw_polio.document_checksum_loaded;
        create unique index document_checksum_loaded
            on raw_polio.document (checksum, reading) where status = 'loaded';
    end if;
end $$;
create index if not exists document_source on raw_polio.document (source);

-- Facts: one row per fact of a document, as written by the sender (read them through the view
-- raw_polio.source_datapoint below). Every per-row expression on the way in costs load speed, so
-- a fact stores little beyond its cells:
--   * source_datapoint_id = document_id * 2^32 + n, unique by construction (no unique index):
--     n is the line in the file for a document loaded in bulk (one fact per line), the fact's
--     ordinal for a document read row by row (which stores row_number itself);
--   * the facts live in one table per COPY stream: a stream numbers its rows with its table's
--     own sequence, set to its first line before it starts (see plugins/tributary/polio/bulk.py);
--     row-by-row loads write to stream 0 with explicit ids.
do $$
begin
    for stream in 0..3 loop
        execute format('create sequence if not exists raw_polio.source_datapoint_%s_n cache 1000', stream);
        execute format(
            'create table if not exists raw_polio.source_datapoint_%1$s (
                 source_datapoint_id bigint not null
                     default nextval(''raw_polio.source_datapoint_%1$s_n''),
                 row_number          bigint,
                 campaign_string     text,
                 region_string       text,
                 indicator_string    text,
                 value_string        text)', stream);
        -- ids grow with the document, so a BRIN index finds a document's facts by id range for
        -- almost nothing per loaded row (a btree cost more than the COPY itself); autosummarize
        -- has autovacuum summarize each range as it fills
        execute format('create index if not exists source_datapoint_%1$s_id on raw_polio.source_datapoint_%1$s '
                       'using brin (source_datapoint_id) with (autosummarize = on)', stream);
    end loop;
end $$;

-- Earlier versions kept every fact in one table with an identity key and a document_id column:
-- move those facts to stream 0 with ids of the new form. Incremental models hold the old ids, so
-- the polio models are dropped too and the next polio_refresh rebuilds them in full.
do $$
begin
    if exists (select 1 from pg_class c join pg_namespace s on s.oid = c.relnamespace
               where s.nspname = 'raw_polio' and c.relname = 'source_datapoint' and c.relkind = 'r') then
        insert into raw_polio.source_datapoint_0 (source_datapoint_id, row_number, campaign_string,
                                                  region_string, indicator_string, value_string)
        select (document_id << 32)
                   + row_number() over (partition by document_id order by source_datapoint_id),
               row_number, campaign_string, region_string, indicator_string, value_string
        from raw_polio.source_datapoint;
        drop table raw_polio.source_datapoint;
        drop schema if exists polio_intermediate cascade;
        drop sequence if exists raw_polio.source_datapoint_id, raw_polio.ingest_slot_0,
            raw_polio.ingest_slot_1, raw_polio.ingest_slot_2, raw_polio.ingest_slot_3;
        raise notice 'raw_polio.source_datapoint moved to the stream tables; the next polio_refresh rebuilds every polio model';
    end if;
end $$;

create or replace view raw_polio.source_datapoint as
with facts as (
    select * from raw_polio.source_datapoint_0
    union all select * from raw_polio.source_datapoint_1
    union all select * from raw_polio.source_datapoint_2
    union all select * from raw_polio.source_datapoint_3
)
select
    source_datapoint_id,
    source_datapoint_id >> 32 as document_id,
    coalesce(row_number, source_datapoint_id & 4294967295) as row_number,
    campaign_string,
    region_string,
    indicator_string,
    value_string
from facts;
comment on view raw_polio.source_datapoint is
    'One fact of a document, as written by the sender (stored in raw_polio.source_datapoint_0..3).';

-- Source strings are registered by dbt (polio.source_string) from the loaded facts; this table
-- of earlier versions held the same, derived at ingest.
drop table if exists raw_polio.source_string;

-- A mapping belongs to the string: it applies to every past and future document.
create table if not exists raw_polio.mapping (
    kind          text not null check (kind in ('region', 'campaign', 'indicator')),
    source_string text not null,
    master        text not null,
    mapped_at     timestamptz not null default now(),
    primary key (kind, source_string)
);

-- Master data, keyed by name.
create table if not exists raw_polio.region (
    name        text primary key,
    parent      text,
    region_type text,
    updated_at  timestamptz not null default now()
);
create table if not exists raw_polio.campaign (
    name       text primary key,
    start_date date,
    end_date   date,
    updated_at timestamptz not null default now()
);
create table if not exists raw_polio.indicator (
    name        text primary key,
    data_format text not null check (data_format in ('int', 'pct', 'bool')),
    updated_at  timestamptz not null default now()
);
create table if not exists raw_polio.calculated_indicator_component (
    indicator   text not null,
    component   text not null,
    calculation text not null check (calculation in ('PART_TO_BE_SUMMED', 'NUMERATOR', 'DENOMINATOR',
                                                     'WHOLE_OF_DIFFERENCE', 'PART_OF_DIFFERENCE')),
    updated_at  timestamptz not null default now(),
    primary key (indicator, component, calculation)
);

-- Values typed into the data-entry form; the ETL never overwrites them.
create table if not exists raw_polio.data_entry (
    region     text not null,
    campaign   text not null,
    indicator  text not null,
    value      double precision not null,
    entered_by text,
    entered_at timestamptz not null default now(),
    primary key (region, campaign, indicator)
);

-- What changed, in commit order (see the note at the top).
create table if not exists raw_polio.change_log (
    change_id     bigint generated always as identity primary key,
    change_kind   text not null check (change_kind in ('document', 'mapping', 'data_entry', 'master')),
    document_id   bigint,
    mapping_kind  text,
    source_string text,
    region        text,
    campaign      text,
    indicator     text,
    changed_at    timestamptz not null default now()
);

-- Master regions may carry the code senders write for them (a geocode such as
-- AF001039003000000000): a source string equal to it is the strongest mapping suggestion.
alter table raw_polio.region add column if not exists code text;
create index if not exists region_code on raw_polio.region (upper(code));

-- Every change of a mapping, who made it and how (plugins/tributary/polio/mappings.py VIAS): the
-- review form or a trigger form in the web UI, the HTTP API, a mapping file, auto-apply.
create table if not exists raw_polio.mapping_change (
    change_id     bigint generated always as identity primary key,
    kind          text not null,
    source_string text not null,
    old_master    text,
    new_master    text,
    changed_by    text not null,
    via           text not null check (via in ('ui', 'api', 'csv', 'auto')),
    changed_at    timestamptz not null default now()
);
create index if not exists mapping_change_string on raw_polio.mapping_change (kind, source_string);

-- Suggested masters for each unmapped string (plugins/tributary/polio/suggest.py), rewritten by
-- polio_refresh and polio_mapping_review; read through the mart polio.mapping_suggestion.
create table if not exists raw_polio.mapping_suggestion (
    kind          text not null,
    source_string text not null,
    rank          smallint not null,
    master        text not null,
    score         double precision not null,
    reason        text not null,
    computed_at   timestamptz not null default now(),
    primary key (kind, source_string, rank)
);
