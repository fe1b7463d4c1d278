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
"""

from airflow.sdk import DAG
from tributary.traffic.dag_factory import source_dag

dag: DAG = source_dag("wavetronix", doc_md=__doc__)
