"""
### traffic_wavetronix

Wavetronix radar detector counts through the traffic data lake, one day per run (backfillable):

1. **ingest**: the day's rows from the vendor database (SQL connection `wavetronix`, table
   `vendor_wavetronix.detector_counts` unless its extra says `{"table": ...}`) → CSV in `raw`;
2. **standardize**: integers cast, local timestamps, bad rows → `raw_traffic.reject`; vehicles
   per intersection → `perfmet.obs`;
3. **ready**: `intID` joined to the unit data, unmatched rows dropped and counted;
4. **publish**: direction (detector name before `_`), day of week (Sunday = 0), 15-minute
   `timebin` (bin start, never `:60`), md5 `row_id`; staged for the publication
   `traffic_wavetronix` (sent by `socrata_publish_traffic_wavetronix` after `traffic_refresh`).

Each stage handles the run's day only, skips what its target already has, and fails after the
other items when one item fails (a re-run redoes only what is missing). `perfmet.job` gets a
row per stage. Needs `traffic_unit_data` for the day (or an earlier one).

Params: `force` (redo everything of the day), `simulate` (write nothing, log what would be
written), `local_copy` (also write every object under this folder: relative to the first
`TRIBUTARY_OUTPUT_ROOTS` folder, default `.local/exports`, or absolute under one;
anything else fails the run before any work).
"""

from airflow.sdk import DAG
from tributary.traffic.dag_factory import source_dag

dag: DAG = source_dag("wavetronix", doc_md=__doc__)
