"""
### polio_ingest

Loads one CSV file as one **document**: every fact becomes a row of `raw_polio.source_datapoint`
(document_id, row_number, campaign_string, region_string, indicator_string, value_string).

- Layouts: *long* (campaign, region, indicator, value) or *wide* (campaign, region, one column per
  indicator). Headers match case- and space-insensitively; CR, LF and CRLF line endings, UTF-8
  (with or without BOM) and latin-1 all load.
- The same file content uploaded again adds nothing. Its source strings show in
  `polio.source_string` (and those still to map in `polio.missing_mapping`) after the refresh.
- A long document with exactly those four columns is parsed by Postgres in parallel COPY
  streams; any other document is read row by row.
- A document that cannot be read as a whole (missing region/campaign column, empty, duplicate
  headers, not text) fails the run with the reason; it is marked failed and nothing is loaded.
  A ragged row goes to `raw_polio.reject` with its line number while the other rows load.

**Params**
- `path` — the CSV file.
- `region_column` — header of the region column (a name or a geocode), default `region`.
- `campaign_column` — header of the campaign column, default `campaign`.
- `ignore_columns` — descriptive columns of a wide document to skip (e.g. `["Province", "DCODE"]`).

Emits `tributary://raw_polio`, which schedules `polio_refresh`.
"""

from datetime import datetime

from airflow.sdk import Param, dag, task
from tributary import settings
from tributary.dag_defaults import DEFAULT_ARGS
from tributary.polio.assets import RAW_POLIO


@dag(
    dag_id="polio_ingest",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["polio", "extract"],
    doc_md=__doc__,
    params={
        "path": Param(str(settings.SAMPLE_DIR / "polio" / "documents" / "nigeria_2016_01_long.csv"),
                      type="string", title="CSV file", description="Path of the document to load."),
        "region_column": Param("region", type="string", title="Region column",
                               description="Header of the column naming the region (or its geocode)."),
        "campaign_column": Param("campaign", type="string", title="Campaign column",
                                 description="Header of the column naming the campaign."),
        "ignore_columns": Param([], type="array", items={"type": "string"}, title="Ignore columns",
                                description="Descriptive columns of a wide document that are not indicators."),
    },
)
def polio_ingest():
    @task(outlets=[RAW_POLIO])
    def load_document(params: dict) -> dict:
        from airflow.sdk.exceptions import AirflowFailException
        from tributary.polio.document import DocumentError
        from tributary.polio.ingest import ingest

        try:
            result = ingest(params["path"], region_column=params["region_column"],
                            campaign_column=params["campaign_column"],
                            ignore_columns=params["ignore_columns"])
        except DocumentError as exc:  # a bad document does not get better by retrying
            raise AirflowFailException(str(exc)) from exc
        print(result.summary())
        return {"document_id": result.document_id, "status": result.status, "facts": result.facts}

    load_document()


polio_ingest()
