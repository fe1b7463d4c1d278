-- Every source string ever seen in a loaded document, once per kind (the "source metadata" of the
-- original system): where it first appeared, how much uses it, and what it is mapped to.
with uses as (
    select kind, source_string, min(document_id) as first_document_id,
           count(*) as documents, sum(rows) as facts
    from {{ ref('int_polio__document_issue') }}
    where issue = 'string'
    group by kind, source_string
)

select
    u.kind,
    u.source_string,
    u.first_document_id,
    d.loaded_at as first_seen_at,
    u.documents,
    u.facts,
    m.master
from uses as u
left join {{ ref('stg_polio__document') }} as d on d.document_id = u.first_document_id
left join {{ ref('stg_polio__mapping') }} as m on m.kind = u.kind and m.source_string = u.source_string
