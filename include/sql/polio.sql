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
-- Bulk-loaded documents hold one fact per line, so a fact's line follows from its id:
-- row_number = first_row_number + (source_datapoint_id - first_source_datapoint_id).
alter table raw_polio.document
    add column if not exists first_source_datapoint_id bigint,
    add column if not exists first_row_number bigint;
alter table raw_polio.document drop constraint if exists document_status_check;
alter table raw_polio.document add constraint document_status_check
    check (status in ('loading', 'loaded', 'failed'));
-- The same content loads once; a failed attempt does not block a later, fixed upload.
create unique index if not exists document_checksum_loaded
    on raw_polio.document (checksum) where status = 'loaded';

-- One fact of a document, as written by the sender.
-- Ids are reserved a document at a time from raw_polio.source_datapoint_id (under the polio write
-- lock), so they are unique and increase in load order without a unique index (its upkeep more
-- than doubled the cost of a load). Within a document, each COPY stream numbers its rows from its
-- own slot sequence, set to the stream's first id; the session settings name the stream's
-- document and slot. A writer that sets neither and gives no values fails loudly.
create sequence if not exists raw_polio.source_datapoint_id;
create sequence if not exists raw_polio.ingest_slot_0 cache 1000;
create sequence if not exists raw_polio.ingest_slot_1 cache 1000;
create sequence if not exists raw_polio.ingest_slot_2 cache 1000;
create sequence if not exists raw_polio.ingest_slot_3 cache 1000;
create table if not exists raw_polio.source_datapoint (
    source_datapoint_id bigint not null,
    document_id         bigint not null,
    row_number          bigint,  -- null in bulk-loaded documents: see raw_polio.document
    campaign_string     text,
    region_string       text,
    indicator_string    text,
    value_string        text
);
-- Earlier versions: an identity primary key and a mandatory row number.
do $$
begin
    if exists (select 1 from information_schema.columns
               where table_schema = 'raw_polio' and table_name = 'source_datapoint'
                 and column_name = 'source_datapoint_id' and is_identity = 'YES') then
        alter table raw_polio.source_datapoint drop constraint if exists source_datapoint_pkey;
        alter table raw_polio.source_datapoint alter column source_datapoint_id drop identity;
        perform setval('raw_polio.source_datapoint_id',
                       (select coalesce(max(source_datapoint_id), 0) + 1 from raw_polio.source_datapoint),
                       false);
    end if;
end $$;
alter table raw_polio.source_datapoint alter column row_number drop not null;
alter table raw_polio.source_datapoint
    alter column document_id set default current_setting('tributary.polio_document_id')::bigint,
    alter column source_datapoint_id set default nextval(
        case current_setting('tributary.polio_ingest_slot')
            when '0' then 'raw_polio.ingest_slot_0'::regclass
            when '1' then 'raw_polio.ingest_slot_1'::regclass
            when '2' then 'raw_polio.ingest_slot_2'::regclass
            when '3' then 'raw_polio.ingest_slot_3'::regclass
        end);
-- Incremental models read new documents by document_id. Rows are appended a document at a time,
-- so document_id follows the physical order and a BRIN index finds them as well as a btree, at a
-- fraction of the cost per loaded row.
drop index if exists raw_polio.source_datapoint_document;
create index if not exists source_datapoint_document_brin
    on raw_polio.source_datapoint using brin (document_id);

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
