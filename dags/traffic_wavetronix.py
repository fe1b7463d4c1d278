"""
### traffic_wavetronix

Wavetronix radar detector counts through the traffic data lake, over the run's window of days
(backfillable):

1. **ingest**: the day's new rows from the vendor database (SQL connection `wavetronix` of any
   type, table `vendor_wavetronix.detector_counts` unless its extra says `{"table": ...}`) → CSV
   in `raw`, one part per run: the rows after the day's high-water mark;
2. **standardize**: integers cast, local timestamps, bad rows → `raw_traffic.reject`; vehicles
   per intersection → `perfmet.obs`;
3. **ready**: `intID` joined to the unit data, unmatched rows dropped and counted;
4. **publish**: direction (detector name before `_`), day of week (Sunday = 0), 15-minute
   `timebin` (bin start, never `:60`), md5 `row_id`; staged for the publication
   `traffic_wavetronix` (sent by `socrata_publish_traffic_wavetronix` after `traffic_refresh`).

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

dag: DAG = source_dag("wavetronix", doc_md=__doc__)
