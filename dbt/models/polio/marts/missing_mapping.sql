-- What still needs mapping: each unmapped source string, per document, with its fact count.
select d.kind, d.source_string, d.document_id, d.rows
from {{ ref('int_polio__document_issue') }} as d
where d.issue = 'string'
  and not exists (
      select 1 from {{ ref('stg_polio__mapping') }} as m
      where m.kind = d.kind and m.source_string = d.source_string
  )
