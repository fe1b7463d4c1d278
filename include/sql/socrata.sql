-- Bookkeeping of Socrata publications (plugins/tributary/socrata/ledger.py).
create schema if not exists publish;

-- One row per publication: a task instance publishing one source to one dataset. A retried task
-- finds its open (running or failed) row by publication_key and resumes after last_row_value.
create table if not exists publish.run (
    run_id           bigint generated always as identity primary key,
    publication_key  text not null,
    portal           text not null,
    dataset_id       text not null,
    source           text not null,
    row_id           text not null,
    chunk_size       integer not null,
    simulate         boolean not null,
    sync_deletes     boolean not null,
    status           text not null check (status in ('running', 'failed', 'succeeded')),
    attempts         integer not null default 1,
    rows_total       bigint,
    rows_sent        bigint not null default 0,
    chunks_sent      integer not null default 0,
    deletes_sent     bigint not null default 0,
    rows_created     bigint not null default 0,
    rows_updated     bigint not null default 0,
    rows_deleted     bigint not null default 0,
    last_row_value   jsonb,
    output_path      text,
    error            text,
    started_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    finished_at      timestamptz
);
create unique index if not exists run_open_publication
    on publish.run (publication_key) where status <> 'succeeded';

-- Every chunk the portal acknowledged (or, when simulating, every CSV file written).
create table if not exists publish.chunk (
    run_id           bigint not null references publish.run (run_id) on delete cascade,
    chunk_number     integer not null,
    kind             text not null check (kind in ('upsert', 'delete')),
    rows             integer not null,
    first_row_value  jsonb,
    last_row_value   jsonb,
    rows_created     integer not null default 0,
    rows_updated     integer not null default 0,
    rows_deleted     integer not null default 0,
    response         jsonb not null,
    seconds          double precision not null,
    acknowledged_at  timestamptz not null default now(),
    primary key (run_id, chunk_number)
);

-- The row identifiers each dataset holds according to our publications: what sync_deletes
-- compares the source with. row_value is the identifier as sent (SODA JSON).
create table if not exists publish.published_row (
    portal        text not null,
    dataset_id    text not null,
    row_value     jsonb not null,
    run_id        bigint not null,
    published_at  timestamptz not null default now(),
    primary key (portal, dataset_id, row_value)
);

-- Declared publications, diff publishing and the landing check (issue 15), added in place so
-- existing databases gain them at the next start. Each change runs only when missing: ALTER TABLE
-- takes an exclusive lock even when there is nothing to do, and this file runs at every start,
-- while publications may be writing to these tables.
do $$
declare
    wanted text[][] := array[
        ['run', 'publication', 'text'],
        ['run', 'mode', 'text not null default ''upsert'''],
        ['run', 'full_resend', 'boolean not null default false'],
        ['run', 'source_rows', 'bigint'],
        ['run', 'portal_rows', 'bigint'],
        ['run', 'rows_unchanged', 'bigint'],
        ['run', 'verified_at', 'timestamptz'],
        -- the DSMAPI revision a replace went through (<dataset>/<revision_seq>)
        ['run', 'revision', 'text'],
        -- a 64-bit hash of the row as published (source.changed_rows); a row whose fingerprint
        -- is unchanged is not sent again. NULL (rows from before) means resend.
        ['published_row', 'fingerprint', 'bigint']];
    item text[];
begin
    foreach item slice 1 in array wanted loop
        if not exists (select 1 from information_schema.columns where table_schema = 'publish'
                       and table_name = item[1] and column_name = item[2]) then
            execute format('alter table publish.%I add column %I %s', item[1], item[2], item[3]);
        end if;
    end loop;
    -- fingerprints were md5 texts before the 64-bit hash: forgotten, so each row is resent once
    if exists (select 1 from information_schema.columns where table_schema = 'publish'
               and table_name = 'published_row' and column_name = 'fingerprint'
               and data_type = 'text') then
        alter table publish.published_row alter column fingerprint type bigint using null;
    end if;
    -- a replace of a dataset without a row identifier has none
    if exists (select 1 from information_schema.columns where table_schema = 'publish'
               and table_name = 'run' and column_name = 'row_id' and is_nullable = 'NO') then
        alter table publish.run alter column row_id drop not null;
    end if;
    if to_regclass('publish.run_dataset') is null then
        create index run_dataset on publish.run (portal, dataset_id, run_id);
    end if;
end
$$;
