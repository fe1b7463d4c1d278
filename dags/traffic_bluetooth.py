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
"""

from airflow.sdk import DAG
from tributary.traffic.dag_factory import source_dag

dag: DAG = source_dag("bluetooth", doc_md=__doc__)
