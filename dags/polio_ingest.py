"""
### polio_ingest

Loads one CSV file as one **document**: every fact becomes a row of `raw_polio.source_datapoint`
(document_id, row_number, campaign_string, region_string, indicator_string, value_string).

- Layouts: *long* (campaign, region, indicator, value) or *wide* (campaign, region, one column per
  indicator). Headers match case- and space-insensitively; CR, LF and CRLF line endings, UTF-8
  (with or without BOM) and latin-1 all load.
- A document is the file *and* how it was read: the same content loaded again with the same
  params adds nothing; with other params (`region_column`, `campaign_column`, `ignore_columns`)
  it is a new document. Its source strings show in `polio.source_string` (and those still to
  map in `polio.missing_mapping`) after the refresh.
- A long document with exactly those four columns is parsed by Postgres in parallel COPY
  streams; any other document is read row by row.
- A document that cannot be read as a whole (missing region/campaign column, empty, duplicate
  headers, not text) fails the run with the reason; it is marked failed and nothing is loaded.
  A ragged row goes to `raw_polio.reject` with its line number while the other rows load.

**Params**
- `path` (required) — the CSV file: a lake key (e.g. `landing/polio/nga_2016_01.csv`) or an
  absolute path under the input roots (`TRIBUTARY_INPUT_ROOTS`; by default `include/sample` and
  a local lake's folder). Anything else fails before the file is read.
- `region_column` — header of the region column (a name or a geocode), default `region`.
- `campaign_column` — header of the campaign column, default `campaign`.
- `ignore_columns` — descriptive columns of a wide document to skip (e.g. `["Province", "DCODE"]`).

Emits `tributary://raw_polio`, which schedules `polio_refresh`.
"""

from datetime import datetime

from airflow.sdk import Param, dag, task
from tributary.assets import RAW_POLIO
from tributary.dag_defaults import DEFAULT_ARGS

INPUT = "Lake key (e.g. landing/polio/nga_2016_01.csv) or absolute path under the input roots."


@dag(
    dag_id="polio_ingest",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["polio", "extract"],
    doc_md=__doc__,
    params={
        "path": Param(type="string", minLength=1, title="CSV file", description=INPUT),
        "region_column": Param("region", type=["null", "string"], title="Region column",
                               description="Header of the column naming the region (or its geocode); "
                                           "empty: region."),
        "campaign_column": Param("campaign", type=["null", "string"], title="Campaign column",
                                 description="Header of the column naming the campaign; empty: campaign."),
        "ignore_columns": Param(None, type=["null", "array"], items={"type": "string"},
                                title="Ignore columns",
                                description="Descriptive columns of a wide document that are not indicators."),
    },
)
def polio_ingest():
    @task(outlets=[RAW_POLIO])
    def load_document(params: dict) -> dict:
        from tributary.inputs import resolve_input
        from tributary.polio.ingest import ingest

        source = resolve_input(params["path"], param="path")
        result = ingest(source, region_column=params["region_column"],
                        campaign_column=params["campaign_column"],
                        ignore_columns=params["ignore_columns"])
        print(result.summary())
        return {"document_id": result.document_id, "status": result.status, "facts": result.facts}

    load_document()


polio_ingest()
