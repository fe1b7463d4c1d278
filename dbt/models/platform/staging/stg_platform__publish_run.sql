-- One row per run of a publication (publish.run), with the bookkeeping of a declared publication.
select
    run_id,
    publication,
    portal,
    dataset_id,
    source,
    mode,
    simulate,
    status,
    rows_sent,
    deletes_sent,
    source_rows,
    portal_rows,
    error,
    started_at,
    finished_at,
    verified_at
from {{ source('publish', 'run') }}
