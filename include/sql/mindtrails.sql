-- MindTrails exporter (plugins/tributary/mindtrails): raw entries as the websites sent them,
-- the per-scale benchmark, the decrypted copy the dbt models read, and a deletion log.
create schema if not exists raw_mindtrails;

create table if not exists raw_mindtrails.entry (
    server       text not null,
    scale        text not null,
    id           bigint not null,
    payload      jsonb not null,          -- the entry exactly as exported (RSA fields encrypted)
    exported_at  timestamptz not null,
    backup_path  text,                    -- lake object holding the raw response
    primary key (server, scale, id)
);

create table if not exists raw_mindtrails.benchmark (
    server       text not null,
    scale        text not null,
    current_id   bigint not null,         -- highest id exported; only ids above it are new
    deleteable   boolean not null,
    updated_at   timestamptz not null,
    primary key (server, scale)
);

create table if not exists raw_mindtrails.decoded (
    server         text not null,
    scale          text not null,
    id             bigint not null,
    payload        jsonb not null,        -- RSA fields decrypted where possible
    decrypt_failed boolean not null,      -- some RSA field kept its ciphertext
    failed_fields  jsonb not null,
    decoded_at     timestamptz not null,
    primary key (server, scale, id)
);

create table if not exists raw_mindtrails.deletion (
    server       text not null,
    scale        text not null,
    id           bigint not null,
    deleted_at   timestamptz not null,    -- when the website confirmed the delete
    primary key (server, scale, id)
);

-- Rows that could not be loaded (shape defined once in platform.sql).
select raw_platform.create_reject_table('raw_mindtrails');

create table if not exists raw_mindtrails.study (
    server       text primary key,
    schedule     jsonb not null,          -- GET /api/study: sessions in order, tasks of each
    fetched_at   timestamptz not null
);

-- The active-data CSVs in the lake (active/mindtrails/<server>/<scale>/<day>.csv): what each
-- holds, so an export rewrites a day's file only when its entries changed (idempotent).
create table if not exists raw_mindtrails.active_file (
    server         text not null,
    scale          text not null,
    day            date not null,          -- UTC day the entries were exported
    entries        integer not null,
    decrypt_failed integer not null,       -- entries whose RSA fields kept their ciphertext
    lake_key       text not null,
    written_at     timestamptz not null,
    primary key (server, scale, day)
);
