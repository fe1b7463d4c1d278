-- The anchor of bench/bench_polio.py: what polio_refresh computes, hand-written as one psql
-- script, from the raw tables to the marts, in full. Same semantics as dbt/models/polio, written
-- independently (the bench compares its tables row for row with the marts and fails when they
-- differ):
--   * a fact's value: "12%" -> 0.12, "1,234" -> 1234, a number, yes/true -> 1, no/false -> 0;
--     blank -> no value; anything else is a rejected value;
--   * merge: per (region, campaign, indicator) a data-entry value wins, then the latest document,
--     in it the last row; only mapped facts with a value compete;
--   * aggregation up the region tree, int summed, bool averaged, pct not aggregated, nothing
--     counted twice (a region's own value stands in for its subtree), sums of parts
--     (PART_TO_BE_SUMMED) formed at the region holding the parts before aggregating;
--   * calculated indicators on stored and aggregated values: sums of parts, ratios, differences.
-- Writes schema polio_anchor (dropped first). Run: psql -v ON_ERROR_STOP=1 -f <this> <url>.

\set ON_ERROR_STOP on
set client_min_messages = warning;
drop schema if exists polio_anchor cascade;
create schema polio_anchor;
begin;
-- the same memory the dbt models get per sort/hash (their pre-hook), so both plan alike
set local work_mem = '64MB';

-- facts of loaded documents, strings trimmed, the value read
create temporary table fact on commit drop as
with trimmed as (
    select f.source_datapoint_id, f.document_id, f.row_number, f.value_string,
           btrim(f.campaign_string, E' \t\r\n\u00a0') as campaign_string,
           btrim(f.region_string, E' \t\r\n\u00a0') as region_string,
           btrim(f.indicator_string, E' \t\r\n\u00a0') as indicator_string,
           btrim(f.value_string, E' \t\r\n\u00a0') as v
    from raw_polio.source_datapoint as f
    where f.document_id in (select document_id from raw_polio.document where status = 'loaded')
)
select source_datapoint_id, document_id, row_number, value_string, campaign_string,
       region_string, indicator_string,
       case
           when v ~ '^[+-]?([0-9]{1,30}([.][0-9]{0,30})?|[.][0-9]{1,30})$' then v::double precision
           when v ~ '^[+-]?[0-9]{1,3}(,[0-9]{3}){1,9}([.][0-9]{1,30})?$'
               then replace(v, ',', '')::double precision
           when v ~ '^[+-]?([0-9]{1,30}([.][0-9]{0,30})?|[.][0-9]{1,30})\s*%$'
               then rtrim(rtrim(v, '%'))::double precision / 100
           when lower(v) in ('yes', 'true') then 1
           when lower(v) in ('no', 'false') then 0
       end as value,
       coalesce(v, '') = '' as is_blank
from trimmed;

-- strings used and rejected values, per document
create table polio_anchor.document_string as
select f.document_id, s.kind, s.source_string, count(*) as rows
from fact as f
cross join lateral (values ('region', f.region_string), ('campaign', f.campaign_string),
                           ('indicator', f.indicator_string)) as s (kind, source_string)
where s.source_string <> ''
group by 1, 2, 3;

create table polio_anchor.rejected_value as
select document_id, row_number, value_string,
       'not a number, a percentage or yes/no'::text as reason
from fact
where value is null and not is_blank;

create table polio_anchor.missing_mapping as
select d.kind, d.source_string, d.document_id, d.rows
from polio_anchor.document_string as d
left join raw_polio.mapping as m on m.kind = d.kind and m.source_string = d.source_string
where m.kind is null;

create table polio_anchor.source_string as
select u.kind, u.source_string, u.first_document_id, d.loaded_at as first_seen_at,
       u.documents, u.facts, m.master
from (select kind, source_string, min(document_id) as first_document_id,
             count(*) as documents, sum(rows) as facts
      from polio_anchor.document_string group by 1, 2) as u
left join raw_polio.document as d on d.document_id = u.first_document_id and d.status = 'loaded'
left join raw_polio.mapping as m on m.kind = u.kind and m.source_string = u.source_string;

-- merge: the winner per key
create table polio_anchor.datapoint as
select distinct on (region, campaign, indicator)
       region, campaign, indicator, value, source_datapoint_id, document_id
from (
    select region, campaign, indicator, value, -1::bigint as source_datapoint_id,
           null::bigint as document_id, null::bigint as row_number, 1 as is_entry
    from raw_polio.data_entry
    where value <> 'NaN'::double precision
    union all
    select r.master, c.master, i.master, f.value, f.source_datapoint_id, f.document_id,
           f.row_number, 0
    from fact as f
    join raw_polio.mapping as r on r.kind = 'region' and r.source_string = f.region_string
    join raw_polio.mapping as c on c.kind = 'campaign' and c.source_string = f.campaign_string
    join raw_polio.mapping as i on i.kind = 'indicator' and i.source_string = f.indicator_string
    where f.value is not null
) as candidates
order by region, campaign, indicator, is_entry desc, document_id desc, row_number desc,
         source_datapoint_id desc;

-- the region tree (every region with each proper ancestor) and the sum tree (each part with
-- every sum above it), as closures
create temporary table region_up on commit drop as
with recursive up (region, ancestor, distance) as (
    select name, parent, 1 from raw_polio.region where parent is not null
    union all
    select up.region, r.parent, up.distance + 1
    from up join raw_polio.region as r on r.name = up.ancestor
    where r.parent is not null and up.distance < 64
)
select * from up;

create temporary table sum_up on commit drop as
with recursive up (part, total, distance) as (
    select component, indicator, 1
    from raw_polio.calculated_indicator_component where calculation = 'PART_TO_BE_SUMMED'
    union all
    select up.part, c.indicator, up.distance + 1
    from up join raw_polio.calculated_indicator_component as c
        on c.component = up.total and c.calculation = 'PART_TO_BE_SUMMED'
    where up.distance < 32
)
select * from up;

-- Sums of parts over a set of values (region, campaign, indicator, value): a part counts towards
-- each sum above it below the nearest sum the set holds at the same region and campaign.
-- Used twice (stored values; stored and aggregated values), so written as a function.
create function pg_temp.part_sums(vals regclass) returns table (
    region text, campaign text, indicator text, value double precision)
language plpgsql as $fn$
begin
    return query execute format($q$
        with parts as (
            select v.region, v.campaign, v.indicator, v.value, s.total, s.distance
            from %1$s as v join sum_up as s on s.part = v.indicator
        ),
        held as (
            select p.region, p.campaign, p.indicator, min(p.distance) as distance
            from parts as p
            join %1$s as t on t.region = p.region and t.campaign = p.campaign and t.indicator = p.total
            group by 1, 2, 3
        )
        select p.region, p.campaign, p.total, sum(p.value)
        from parts as p
        left join held as h
            on h.region = p.region and h.campaign = p.campaign and h.indicator = p.indicator
        where h.distance is null or p.distance < h.distance
        group by 1, 2, 3 $q$, vals);
end
$fn$;

-- stored values (merge winners with a value) and their indicator's format
create temporary table stored on commit drop as
select d.region, d.campaign, d.indicator, d.value, i.data_format
from polio_anchor.datapoint as d
left join raw_polio.indicator as i on i.name = d.indicator
where d.value is not null and d.value <> 'NaN'::double precision;
create index on stored (region, campaign, indicator);
analyze stored;

-- what aggregates: int and bool values, and the int sums of stored parts
create temporary table summable on commit drop as
select region, campaign, indicator, value, data_format
from stored where data_format in ('int', 'bool')
union all
select s.region, s.campaign, s.indicator, s.value, i.data_format
from pg_temp.part_sums('stored') as s
join raw_polio.indicator as i on i.name = s.indicator and i.data_format = 'int';
create index on summable (region, campaign, indicator);
analyze summable;

create table polio_anchor.agg_datapoint as
with up as (
    select s.region, s.campaign, s.indicator, s.data_format, s.value, u.ancestor, u.distance
    from summable as s join region_up as u on u.region = s.region
),
-- the nearest ancestor holding its own value stands in for everything below it
cut as (
    select up.region, up.campaign, up.indicator, min(up.distance) as distance
    from up
    join summable as h on h.region = up.ancestor and h.campaign = up.campaign
        and h.indicator = up.indicator
    group by 1, 2, 3
),
totals as (
    select up.ancestor as region, up.campaign, up.indicator, up.data_format,
           sum(up.value) as total, count(*) as n
    from up
    left join cut on cut.region = up.region and cut.campaign = up.campaign
        and cut.indicator = up.indicator
    where cut.distance is null or up.distance < cut.distance
    group by 1, 2, 3, 4
)
select region, campaign, indicator, value, false as is_agg from stored
union all
select t.region, t.campaign, t.indicator,
       case t.data_format when 'bool' then t.total / t.n else t.total end, true
from totals as t
where not exists (select 1 from summable as s where s.region = t.region
                  and s.campaign = t.campaign and s.indicator = t.indicator);

-- calculated indicators on stored and aggregated values
create temporary table val on commit drop as
select region, campaign, indicator, value from polio_anchor.agg_datapoint where value is not null;
create index on val (region, campaign, indicator);
analyze val;

create temporary table sums on commit drop as select * from pg_temp.part_sums('val');

create table polio_anchor.datapoint_with_computed as
with effective as (
    select region, campaign, indicator, value from val
    union all
    select * from sums as s
    where not exists (select 1 from val as v where v.region = s.region
                      and v.campaign = s.campaign and v.indicator = s.indicator)
),
pairs as (  -- (calculated indicator, first component, second component, preference)
    select a.indicator, a.component as one, b.component as two,
           case a.calculation when 'NUMERATOR' then 1 else 2 end as preference
    from raw_polio.calculated_indicator_component as a
    join raw_polio.calculated_indicator_component as b on b.indicator = a.indicator
    where (a.calculation, b.calculation) in (('NUMERATOR', 'DENOMINATOR'),
                                             ('WHOLE_OF_DIFFERENCE', 'PART_OF_DIFFERENCE'))
),
calculated as (
    select distinct on (region, campaign, indicator) region, campaign, indicator, value
    from (
        select x.region, x.campaign, p.indicator, p.preference,
               case p.preference when 1 then x.value / nullif(y.value, 0)
                                 else (x.value - y.value) / nullif(x.value, 0) end as value
        from pairs as p
        join effective as x on x.indicator = p.one
        join effective as y on y.indicator = p.two and y.region = x.region and y.campaign = x.campaign
        union all
        select region, campaign, indicator, 3, value from sums
    ) as candidates
    order by region, campaign, indicator, preference
)
select region, campaign, indicator, value, false as is_calc from val
union all
select c.region, c.campaign, c.indicator, c.value, true
from calculated as c
where not exists (select 1 from val as v where v.region = c.region
                  and v.campaign = c.campaign and v.indicator = c.indicator);

drop table polio_anchor.document_string;
commit;
