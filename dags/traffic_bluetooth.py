"""
### traffic_bluetooth

Bluetooth (AWAM) reader files through the traffic data lake, over the run's window of days
(backfillable):

1. **ingest**: `Austin_bt_*`, `Austin_btmatch_*`, `Austin_bt_summary_15_*` text files dropped in
   `landing/bluetooth/` → `raw` (catalogued in `lake.catalog`);
2. **standardize**: headerless CSV → JSON with header, local timestamps (unreadable → null and
   counted), malformed lines → `raw_traffic.reject`; reads per reader → `perfmet.obs`;
3. **ready**: readers joined to the unit data (`device_id`), unmatched rows dropped and counted;
4. **publish**: record ids hashed, day of week added, device addresses replaced by a per-day
   counter, staged for the publications `traffic_bt_iaf`, `traffic_bt_itmf`, `traffic_bt_tmsr`
   (sent to the portal by `socrata_publish_<name>` after `traffic_refresh`).

`plan` decides the run's days once: `start_date`..`end_date` (inclusive), or, without them, a
scheduled run's own day and a manual run every day from the last fully processed day (catalog)
to the run's day, or with `intraday` what arrived since the last run (from the source's
high-water mark in the catalog to today; hourly runs load each row once). Each stage goes through
the days one after the other, skips what its target already has, and fails after the other
items and days when one fails, naming the failed days (a re-run redoes only what is missing). `perfmet.job` gets a
row per stage. Needs `traffic_unit_data` for the day (or an earlier one).

Params: `start_date`/`end_date`, `intraday`, `force` (redo everything of the run's days),
`simulate` (write nothing, log what would be written, and write the rows publish would stage as
CSV files to the lake under `socrata/simulate/<dataset>/`), `local_copy` (also write every object under this folder: relative to the first
`TRIBUTARY_OUTPUT_ROOTS` folder, default `.local/exports`, or absolute under one;
anything else fails the run before any work).
"""

from airflow.sdk import DAG
from tributary.traffic.dag_factory import source_dag

dag: DAG = source_dag("bluetooth", doc_md=__doc__)
