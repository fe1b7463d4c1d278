-- Facts of loaded documents, strings trimmed, with their value cleaned: "12%" -> 0.12,
-- "1,234" -> 1234, yes/true -> 1, no/false -> 0, blank -> no value (not a problem), anything
-- else -> value_problem. Documents still loading (or abandoned) are left out.
-- A view: incremental models filter it by document or key, and the planner pushes that down.
with facts as (
    select
        sd.source_datapoint_id,
        sd.document_id,
        sd.row_number,
        {{ polio_trim('sd.campaign_string') }} as campaign_string,
        {{ polio_trim('sd.region_string') }} as region_string,
        {{ polio_trim('sd.indicator_string') }} as indicator_string,
        sd.value_string,
        {{ polio_trim('sd.value_string') }} as v
    from {{ source('raw_polio', 'source_datapoint') }} as sd
    inner join {{ source('raw_polio', 'document') }} as d
        on d.document_id = sd.document_id and d.status = 'loaded'
),

classified as (
    select
        *,
        case
            -- the usual case first (the kinds exclude one another, so the order changes nothing
            -- else); bounded digit counts keep every accepted number inside double precision
            when v ~ '^[+-]?([0-9]{1,30}([.][0-9]{0,30})?|[.][0-9]{1,30})$' then 'number'
            when v is null or v = '' then 'blank'
            when v ~ '^[+-]?([0-9]{1,30}([.][0-9]{0,30})?|[.][0-9]{1,30})\s*%$' then 'percent'
            when v ~ '^[+-]?[0-9]{1,3}(,[0-9]{3}){1,9}([.][0-9]{1,30})?$' then 'thousands'
            when lower(v) in ('yes', 'true') then 'yes'
            when lower(v) in ('no', 'false') then 'no'
            else 'bad'
        end as value_kind
    from facts
)

select
    source_datapoint_id,
    document_id,
    row_number,
    campaign_string,
    region_string,
    indicator_string,
    value_string,
    case value_kind
        when 'percent' then rtrim(rtrim(v, '%'))::double precision / 100
        when 'thousands' then replace(v, ',', '')::double precision
        when 'number' then v::double precision
        when 'yes' then 1::double precision
        when 'no' then 0::double precision
    end as value,
    value_kind = 'blank' as is_blank,
    case when value_kind = 'bad'
        then 'not a number, a percentage or yes/no'
    end as value_problem
from classified
