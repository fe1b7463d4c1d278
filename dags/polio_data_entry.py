"""
### polio_data_entry

The data-entry form: stores one value for (region, campaign, indicator), by master name. A value
entered here is never overwritten or removed by documents; `value: null` removes the entry (the
latest document's value, if any, shows again after the refresh).

**Params**
- `region` — master region name (e.g. `Kano`)
- `campaign` — master campaign name (e.g. `Nigeria January 2016`)
- `indicator` — master indicator name
- `value` — a number (0 or 1 for yes/no indicators, a fraction for percentages), or null to remove

Emits `tributary://raw_polio`, which schedules `polio_refresh`.
"""

from datetime import datetime

from airflow.sdk import Param, dag, task
from tributary.assets import RAW_POLIO
from tributary.dag_defaults import DEFAULT_ARGS


@dag(
    dag_id="polio_data_entry",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["polio", "data-entry"],
    doc_md=__doc__,
    params={
        "region": Param("", type="string", minLength=1, title="Region",
                        description="Master region name, as in GET /api/v1/region."),
        "campaign": Param("", type="string", minLength=1, title="Campaign",
                          description="Master campaign name, as in GET /api/v1/campaign."),
        "indicator": Param("", type="string", minLength=1, title="Indicator",
                           description="Master indicator name, as in GET /api/v1/indicator."),
        "value": Param(None, type=["null", "number"], title="Value",
                       description="The value (0/1 for yes/no, 0.12 for 12%); leave empty to remove the entry."),
    },
)
def polio_data_entry():
    @task(outlets=[RAW_POLIO])
    def enter(params: dict) -> dict:
        from tributary.polio.data_entry import Entry, enter_values

        value = params.get("value")
        entry = Entry(params["region"], params["campaign"], params["indicator"],
                      None if value is None else float(value))
        return enter_values([entry])

    enter()


polio_data_entry()
