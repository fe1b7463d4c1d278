-- Bookkeeping of the warehouse loader (plugins/tributary/warehouse.py).
create schema if not exists raw_platform;

create table if not exists raw_platform.load (
    load_id      uuid primary key,
    target       text not null,
    mode         text not null,
    rows_in      bigint not null,
    inserted     bigint not null,
    updated      bigint not null,
    deleted      bigint not null,
    started_at   timestamptz not null,
    seconds      double precision not null
);

-- The one definition of a domain's rejects table (`<schema>.reject`): rows that could not be
-- loaded, with where they came from and why. Domain DDL and tributary.warehouse.record_rejects
-- both call this, so every rejects table has the same shape.
create or replace function raw_platform.create_reject_table(target_schema text) returns void
language plpgsql as $$
begin
    execute format('create schema if not exists %I', target_schema);
    execute format($ddl$
        create table if not exists %I.reject (
            reject_id    bigint generated always as identity primary key,
            source       text not null,
            line_number  bigint,
            reason       text not null,
            raw          text,
            rejected_at  timestamptz not null default now(),
            unique nulls not distinct (source, line_number, reason)
        )$ddl$, target_schema);
end
$$;

-- Files received by POST /api/v1/uploads/{kind} (plugins/tributary/uploads): where each landed in
-- the lake and which DAG run it started. The load's own outcome lives with its domain
-- (raw_polio.document, raw_migration.matrix_load, both keyed by `source` = this `key`).
create table if not exists raw_platform.upload (
    upload_id     bigint generated always as identity primary key,
    kind          text not null,
    key           text not null,
    sha256        text not null,
    file_name     text not null,
    size          bigint not null,
    conf          jsonb not null,
    uploaded_by   text not null,
    uploaded_at   timestamptz not null default now(),
    dag_id        text not null,
    dag_run_id    text,
    -- why the DAG run could not be started (the file is stored all the same)
    trigger_error text
);
create index if not exists upload_newest on raw_platform.upload (uploaded_at desc, upload_id desc);
create index if not exists upload_kind_newest on raw_platform.upload (kind, uploaded_at desc, upload_id desc);
