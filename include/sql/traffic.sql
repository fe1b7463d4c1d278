-- Traffic data lake (plugins/tributary/traffic): the lake catalog, pipeline metrics, unit data,
-- publish staging tables, and the table that plays the Wavetronix vendor database locally.
create schema if not exists lake;
create schema if not exists perfmet;
create schema if not exists raw_traffic;
create schema if not exists vendor_wavetronix;

-- Every object in the lake: one row per (repository, source, base, ext, collection day).
-- Written by upsert in the same step as the object (tributary.traffic.catalog).
create table if not exists lake.catalog (
    catalog_id       bigint generated always as identity primary key,
    repository       text not null,
    data_source      text not null,
    id_base          text not null,
    id_ext           text not null,
    collection_date  timestamptz not null,
    collection_end   timestamptz,
    processing_date  timestamptz not null,
    pointer          text not null,
    metadata         jsonb not null default '{}'::jsonb,
    unique (repository, data_source, id_base, id_ext, collection_date)
);
create index if not exists catalog_day_idx on lake.catalog (data_source, repository, collection_date);

-- One row per stage run (a task of a source DAG).
create table if not exists perfmet.job (
    job_id            bigint generated always as identity primary key,
    processing_date   timestamptz not null,
    data_source       text not null,
    stage             text not null,
    seconds           double precision not null,
    records           bigint not null,
    collection_start  timestamptz,
    collection_end    timestamptz,
    unique (processing_date, data_source, stage)
);

-- One representative measure per sensor and collection day (written by the standardize stage).
create table if not exists perfmet.obs (
    collection_date  date not null,
    data_source      text not null,
    data_type        text not null,
    sensor_name      text not null,
    value            double precision,
    expected         double precision,
    min_timestamp    timestamptz,
    max_timestamp    timestamptz,
    primary key (collection_date, data_source, data_type, sensor_name)
);

-- Unit data: the device inventory as retrieved on a day (traffic_unit_data).
create table if not exists raw_traffic.device (
    collection_date      date not null,
    data_source          text not null,
    device_id            text not null,
    device_type          text not null,
    device_name          text not null,
    atd_device_id        bigint,
    device_ip            text,
    device_status        text,
    ip_comm_status       text,
    atd_location_id      text,
    kits_id              bigint,
    lat                  double precision,
    lon                  double precision,
    primary_st           text,
    cross_st             text,
    primary key (collection_date, data_source, device_id)
);

-- What the publish stage sent to the open-data portal, per lake item.
create table if not exists raw_traffic.publication (
    data_source      text not null,
    id_base          text not null,
    collection_date  date not null,
    dataset_id       text not null,
    rows_sent        bigint not null,
    published_at     timestamptz not null default now(),
    primary key (data_source, id_base, collection_date, dataset_id)
);

-- Publish staging: the rows of one day as the portal receives them (SocrataUpsertOperator reads
-- these). Replaced per (lake_item, collection_date) on each publish.
create table if not exists raw_traffic.bt_iaf_publish (
    lake_item               text not null,
    collection_date         date not null,
    record_id               text primary key,
    host_read_time          timestamptz,
    field_device_ip         text,
    field_device_read_time  timestamptz,
    reader_identifier       text,
    device_address          bigint,
    device_id               text,
    day_of_week             int
);
create table if not exists raw_traffic.bt_itmf_publish (
    lake_item                      text not null,
    collection_date                date not null,
    record_id                      text primary key,
    device_address                 bigint,
    origin_reader_identifier       text,
    destination_reader_identifier  text,
    start_time                     timestamptz,
    end_time                       timestamptz,
    travel_time_seconds            int,
    speed_miles_per_hour           int,
    match_validity                 text,
    filter_identifier              int,
    day_of_week                    int
);
create table if not exists raw_traffic.bt_tmsr_publish (
    lake_item                       text not null,
    collection_date                 date not null,
    record_id                       text primary key,
    origin_reader_identifier        text,
    destination_reader_identifier   text,
    origin_roadway                  text,
    origin_cross_street             text,
    origin_direction                text,
    destination_roadway             text,
    destination_cross_street        text,
    destination_direction           text,
    segment_length_miles            double precision,
    "timestamp"                     timestamptz,
    average_travel_time_seconds     double precision,
    average_speed_miles_per_hour    double precision,
    summary_interval_minutes        int,
    number_samples                  int,
    standard_deviation              double precision,
    day_of_week                     int
);
create table if not exists raw_traffic.wt_publish (
    lake_item        text not null,
    collection_date  date not null,
    row_id           text primary key,
    int_id           bigint,
    intname          text,
    detid            bigint,
    detname          text,
    curdatetime      timestamp,
    direction        text,
    day_of_week      int,
    timebin          text,
    year             int,
    month            int,
    day              int,
    hour             int,
    minute           int,
    volume           int,
    occupancy        int,
    speed            int
);
create table if not exists raw_traffic.gs_publish (
    lake_item                text not null,
    collection_date          date not null,
    row_id                   text primary key,
    atd_device_id            bigint,
    intersection_name        text,
    read_date                timestamp,
    zone_approach            text,
    turn_movement            text,
    heavy_vehicle            boolean,
    volume                   int,
    speed_average            double precision,
    speed_stddev             double precision,
    seconds_in_zone_average  double precision,
    seconds_in_zone_stddev   double precision,
    day_of_week              int,
    timebin                  text,
    year                     int,
    month                    int,
    day                      int,
    hour                     int,
    minute                   int
);

-- Stand-in for the Wavetronix (KITS) vendor database: the sample generator fills it; the
-- pipeline reads it only through the SQL connection `wavetronix`.
create table if not exists vendor_wavetronix.detector_counts (
    "detID"               int not null,
    "intID"               int not null,
    "curDateTime"         timestamp not null,
    "intName"             text,
    "detName"             text,
    volume                text,
    occupancy             text,
    speed                 text,
    status                text,
    "uploadSuccess"       text,
    "detCountComparison"  text,
    "dailyCumulative"     text,
    primary key ("detID", "curDateTime")
);

-- Publish staging tables created before they were partitioned by lake item get the column.
alter table raw_traffic.bt_iaf_publish add column if not exists lake_item text;
alter table raw_traffic.bt_itmf_publish add column if not exists lake_item text;
alter table raw_traffic.bt_tmsr_publish add column if not exists lake_item text;
alter table raw_traffic.wt_publish add column if not exists lake_item text;
alter table raw_traffic.gs_publish add column if not exists lake_item text;
