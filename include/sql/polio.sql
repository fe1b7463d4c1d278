-- Raw tables of the polio domain (plugins/tributary/polio/). Idempotent: runs at every start.
-- Writers (ingest, metadata, mapping, data entry) serialise on one advisory lock and append to
-- raw_polio.change_log, so the incremental dbt models can read "what changed since my last run"
-- by id without missing a transaction that committed late.
create schema if not exists raw_polio;

-- One uploaded file. A failed document keeps its error and has no source datapoints.
create table if not exists raw_polio.document (
    document_id   bigint generated always as identity primary key,
    file_name     text not null,
    checksum      text not null,
    status        text not null check (status in ('loaded', 'failed')),
    error         text,
    layout        text check (layout in ('long', 'wide')),
    encoding      text,
    facts         bigint not null default 0,
    rejected_rows bigint not null default 0,
    loaded_at     timestamptz not null default now()
);
-- The same content loads once; a failed attempt does not block a later, fixed upload.
create unique index if not exists document_checksum_loaded
    on raw_polio.document (checksum) where status = 'loaded';

-- One fact of a document, as written by the sender.
create table if not exists raw_polio.source_datapoint (
    source_datapoint_id bigint generated always as identity (cache 1000) primary key,
    document_id         bigint not null,
    row_number          bigint not null,
    campaign_string     text,
    region_string       text,
    indicator_string    text,
    value_string        text
);
-- Incremental models read new documents by document_id. Rows are appended a document at a time,
-- so document_id follows the physical order and a BRIN index finds them as well as a btree, at a
-- fraction of the cost per loaded row (the btree made up about a quarter of ingest time).
drop index if exists raw_polio.source_datapoint_document;
create index if not exists source_datapoint_document_brin
    on raw_polio.source_datapoint using brin (document_id);

-- Every source string ever seen, once (global, not per document).
create table if not exists raw_polio.source_string (
    kind              text not null check (kind in ('region', 'campaign', 'indicator')),
    source_string     text not null,
    first_document_id bigint,
    first_seen_at     timestamptz not null default now(),
    primary key (kind, source_string)
);

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
