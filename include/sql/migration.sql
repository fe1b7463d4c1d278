-- Raw tables of the migration domain (loaded by plugins/tributary/migration/load.py).
create schema if not exists raw_migration;

-- One row per cleaned country name, shared by every matrix file: ids are assigned once, for new
-- names only, so they stay stable across runs and files.
create table if not exists raw_migration.country (
    id            integer generated always as identity primary key,
    name          text not null unique,
    is_aggregate  boolean not null
);

-- Migration matrix cells: rows of the file = origin, columns = destination (migrant stock).
-- No foreign keys to country: the loader resolves every id from that table in the same
-- transaction, and per-row FK triggers would halve the COPY rate (see bench/bench_migration.py).
create table if not exists raw_migration.migrant_stock (
    origin_id       integer not null,
    destination_id  integer not null,
    value           bigint not null check (value >= 0),
    primary key (origin_id, destination_id)
);

-- Remittance matrix cells: rows of the file = sending country, columns = receiving country
-- (USD millions).
create table if not exists raw_migration.remittance (
    sender_id    integer not null,
    receiver_id  integer not null,
    value        numeric not null check (value >= 0),
    primary key (sender_id, receiver_id)
);

-- Cells (or whole rows, column_number 0) that could not be read: never loaded as 0.
create table if not exists raw_migration.cell_reject (
    source         text not null,
    line_number    integer not null,
    column_number  integer not null,
    row_label      text,
    column_label   text,
    text           text,
    reason         text not null,
    rejected_at    timestamptz not null default now(),
    primary key (source, line_number, column_number)
);

-- One row per attempt to load a matrix file, so an upload's status can be listed: 'loaded'
-- (written in the load's own transaction) or 'failed' (written after its rollback, with the
-- error). source is the lake key, or the resolved absolute path of a local file.
create table if not exists raw_migration.matrix_load (
    load_id         bigint generated always as identity primary key,
    source          text not null,
    file_name       text not null,
    matrix          text not null check (matrix in ('migration', 'remittance')),
    checksum        text not null,  -- sha256 of the file's bytes, hex
    status          text not null check (status in ('loaded', 'failed')),
    error           text,
    cells_in        bigint,
    inserted        bigint,
    rejected_cells  integer,
    loaded_at       timestamptz not null default now()
);
create index if not exists matrix_load_source on raw_migration.matrix_load (source, loaded_at);
-- cells of an earlier load that this file's load replaced with another value (upsert)
alter table raw_migration.matrix_load add column if not exists updated bigint;
-- the name as the first matrix that named the country wrote it ("Korea, Rep."), for reports;
-- null for rows loaded before it was kept (the marts then show the cleaned name)
alter table raw_migration.country add column if not exists display_name text;
