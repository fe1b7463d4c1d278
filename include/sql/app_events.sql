-- Raw tables of the app_events domain (plugins/tributary/app_events/). Idempotent DDL.
-- Events are loaded a day at a time (event_date = the export's day) with replace semantics;
-- dimensions are upserted by key.
create schema if not exists raw_app;

-- One row per cleaned line of a daily export; ids stay text, times are UTC.
create table if not exists raw_app.event (
    event_date            date not null,
    line_number           bigint not null,
    mdn                   text,
    app                   text,
    amplitude_id          text,
    device_id             text,
    user_id               text,
    event_time            timestamptz not null,
    client_event_time     timestamptz,
    client_upload_time    timestamptz,
    server_upload_time    timestamptz,
    event_id              text,
    session_id            text,
    event_type            text,
    amplitude_event_type  text,
    version_name          text,
    os_name               text,
    os_version            text,
    device_brand          text,
    device_manufacturer   text,
    device_model          text,
    device_carrier        text,
    country               text,
    language              text,
    location_lat          double precision,
    location_lng          double precision,
    ip_address            text,
    event_properties      text,
    user_properties       text,
    region                text,
    city                  text,
    dma                   text,
    device_family         text,
    device_type           text,
    platform              text,
    uuid                  text,
    paying                text,
    start_version         text,
    user_creation_time    timestamptz,
    library               text,
    idfa                  text,
    adid                  text,
    primary key (event_date, line_number)
);

-- event_properties split into long rows; nested objects flattened to dotted names.
create table if not exists raw_app.event_property (
    event_date   date not null,
    line_number  bigint not null,
    event_id     text,
    property     text not null,
    value        text,
    primary key (event_date, line_number, property)
);

-- Who was active when: only events with a line number (mdn) and a time.
create table if not exists raw_app.by_mdn (
    event_date  date not null,
    mdn         text not null,
    event_time  timestamptz not null
);
create index if not exists by_mdn_day on raw_app.by_mdn (event_date);

-- One row per processed export: what was archived and loaded.
create table if not exists raw_app.export_file (
    event_date    date primary key,
    file_name     text not null,
    archive_path  text not null,
    sha256        text not null,
    size_bytes    bigint not null,
    lines         bigint not null,
    events        bigint not null,
    properties    bigint not null,
    rejects       bigint not null,
    loaded_at     timestamptz not null default now()
);

create table if not exists raw_app.line_dim (
    mtn              text primary key,
    device_grouping  text,
    sales_channel    text,
    svc_act_dt       date
);

create table if not exists raw_app.account_dim (
    cust_acct     text primary key,
    segment_name  text,
    svc_plan      text
);

create table if not exists raw_app.limit_fact (
    mtn          text not null,
    cust_acct    text,
    limiting_dt  date not null,
    limit_type   text not null,
    primary key (mtn, limit_type, limiting_dt)
);

-- Rows that could not be loaded (shape defined once in platform.sql).
select raw_platform.create_reject_table('raw_app');
