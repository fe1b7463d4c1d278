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
