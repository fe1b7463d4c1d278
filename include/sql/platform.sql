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
