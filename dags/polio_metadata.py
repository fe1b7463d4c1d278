"""
### polio_metadata

Upserts polio master data **by name** from a folder of CSV files (any of them may be absent):

- `regions.csv` — name, parent, region_type (the region tree; parents must exist, no cycles)
- `campaigns.csv` — name, start_date, end_date (YYYY-MM-DD)
- `indicators.csv` — name, data_format (`int` summed up the tree, `bool` averaged, `pct` not aggregated)
- `calculated_indicators.csv` — indicator, component, calculation (`PART_TO_BE_SUMMED`,
  `NUMERATOR`, `DENOMINATOR`, `WHOLE_OF_DIFFERENCE`, `PART_OF_DIFFERENCE`)

All files load in one transaction; a bad row fails the run and nothing is written.

**Params** — `path` (required): the folder, as a lake prefix (e.g. `landing/polio_master/2016`)
or an absolute folder under the input roots (`TRIBUTARY_INPUT_ROOTS`; by default
`include/sample` and a local lake's folder). Only the files directly in it are read.
Emits `tributary://raw_polio`, which schedules `polio_refresh`.
"""

from datetime import datetime

from airflow.sdk import Param, dag, task
from tributary.assets import RAW_POLIO
from tributary.dag_defaults import DEFAULT_ARGS


@dag(
    dag_id="polio_metadata",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["polio", "extract"],
    doc_md=__doc__,
    params={
        "path": Param(type="string", minLength=1, title="Master data folder",
                      description="Lake prefix (e.g. landing/polio_master/2016) or absolute folder "
                                  "under the input roots, with regions.csv, campaigns.csv, "
                                  "indicators.csv and/or calculated_indicators.csv."),
    },
)
def polio_metadata():
    @task(outlets=[RAW_POLIO])
    def load_master_data(params: dict) -> dict:
        from tributary.inputs import resolve_input_folder
        from tributary.polio.master_data import load_metadata

        folder = resolve_input_folder(params["path"], param="path")
        return load_metadata(folder).inserted

    load_master_data()


polio_metadata()
