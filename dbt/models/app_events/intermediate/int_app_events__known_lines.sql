-- Every line number the domain knows of: from the line files, the events and the limits.
-- Lines seen only in events or limits become inferred members of dim_line, so facts always
-- find their dimension row (late-arriving dimension files are common).
select mtn, bool_or(from_line_file) as in_line_file
from (
    select mtn, true as from_line_file from {{ ref('stg_app_events__lines') }}
    union all
    select distinct mdn, false from {{ ref('stg_app_events__events') }} where mdn is not null
    union all
    select distinct mtn, false from {{ ref('stg_app_events__limits') }}
) as seen
group by mtn
