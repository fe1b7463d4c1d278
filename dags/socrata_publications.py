"""
### socrata_publish_<publication>

One DAG per declared publication (dbt exposures with `meta.socrata`, next to the marts in
`models/<domain>/marts/_publications.yml`), generated from the dbt manifest: each publishes its
mart when the domain's refresh rebuilt it (and on its declared cron schedule, if any). See
`tributary.socrata.publication_dags` and the README section "Publishing". (The words airflow and
dag must appear in a file for airflow's DAG processor to parse it in safe mode.)
"""

from tributary.socrata.publication_dags import publication_dag
from tributary.socrata.registry import load

for _declaration in load().publications.values():
    _dag = publication_dag(_declaration)
    _dag.fileloc = __file__  # made in the factory's module; this file is where it is defined
    globals()[_dag.dag_id] = _dag
