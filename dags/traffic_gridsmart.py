"""
### traffic_gridsmart

GRIDSMART camera counts through the traffic data lake, over the run's window of days
(backfillable):

1. **ingest**: each camera in the unit data is asked for the day's zipped counts and its site
   file (`http://<ip>:8902/api/...`, or the `url_template` in the extra of connection
   `gridsmart`) → `raw`; a camera that does not answer is logged and retried next run; a camera
   whose inventory address is not `host[:port]` (or whose name could name a path) fails alone;
2. **standardize**: one JSON per zone with the clock-corrected local `timestamp_adj`; a corrupt
   zip fails that camera only; vehicles per camera → `perfmet.obs`;
3. **ready**: zones, site and unit data merged (`<camera>_counts`) and aggregated to 15 minutes
   per (bin, approach, turn, heavy vehicle = length ≥ 17 ft): volume, speed and
   seconds-in-zone average and standard deviation (`<camera>_agg15`);
4. **publish**: turns S/L/R/U as THRU / LEFT TURN / RIGHT TURN / U-TURN,
   staged for the publication `traffic_gridsmart` (sent by `socrata_publish_traffic_gridsmart`
   after `traffic_refresh`).
"""

from airflow.sdk import DAG
from tributary.traffic.dag_factory import source_dag

dag: DAG = source_dag("gridsmart", doc_md=__doc__)
